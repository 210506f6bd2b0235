"""Display names shared by the dossiers (page and PDF) and the ledger lists: industries, departments, figures."""

from django.utils.translation import gettext

from parkgov.codes.tables import code_table
from parkgov.ledger.models import YearlyFigure


def industry_text(code) -> str:
    """The GB/T 4754-2017 code with its name."""
    return f"{code} {code_table('gbt4754_2017').label(code)}".strip() if code else ""


def department_text(code) -> str:
    """The department's name in the page's language (names are listed for the catalogue in web/data_labels.py)."""
    label = code_table("departments").label(code)
    return gettext(label) if label else code or ""


def figure_fields(scope, candidates) -> list:
    """Figure fields the scope may see (none without read access to yearly figures)."""
    if not scope.can_read("yearly"):
        return []
    return [f for f in candidates if scope.sees(f)]


def figure_label(field):
    """The figure's name with its unit, lazily translated (list columns are defined once, shown in either language)."""
    return YearlyFigure._meta.get_field(field).verbose_name
