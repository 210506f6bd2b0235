"""Unit conversion for imported columns, from the data table `units.csv` (no factor lives in code)."""

from fractions import Fraction

from parkgov.codes.tables import code_table


def _normal(text: str) -> str:
    return text.replace(" ", "").lower()


def allowed_units(base_unit: str) -> dict:
    """Unit spellings accepted for a column whose base unit is `base_unit`, each with its exact factor."""
    table = code_table("units")
    return {_normal(code.split(":", 1)[1]): Fraction(entry.factor)
            for code, entry in table.entries.items() if entry.parent == base_unit}


def conversion_factor(given_unit: str, base_unit: str):
    """Exact factor from `given_unit` to `base_unit`, or None when the unit is not known for that base."""
    return allowed_units(base_unit).get(_normal(given_unit))
