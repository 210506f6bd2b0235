"""Units used throughout parkgov. 1 亩 = 10000/15 m² exactly; money is 万元 unless a column says otherwise."""

from fractions import Fraction

SQUARE_METRES_PER_MU = Fraction(10000, 15)
MU_PER_SQUARE_METRE = Fraction(15, 10000)


def square_metres_to_mu(area_m2):
    """Convert m² to 亩 with the exact factor 15/10000 (works on floats, Polars expressions and NumPy arrays)."""
    if area_m2 is None:
        return None
    return area_m2 * 15 / 10000


def mu_to_square_metres(area_mu):
    """Convert 亩 to m² with the exact factor 10000/15."""
    if area_mu is None:
        return None
    return area_mu * 10000 / 15


def square_metres_to_hectares(area_m2):
    """Convert m² to 公顷 (1 公顷 = 10000 m²); works on floats, Polars expressions and NumPy arrays."""
    if area_m2 is None:
        return None
    return area_m2 / 10000


def square_metres_to_10k_square_metres(area_m2):
    """Convert m² to 万平方米 (floor areas of the zone land account)."""
    if area_m2 is None:
        return None
    return area_m2 / 10000
