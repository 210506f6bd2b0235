"""Template helpers of the case pages: a state with its colour (from the workflow table), named departments."""

from django import template
from django.utils.translation import gettext

from parkgov.governance.workflow import get_workflow

register = template.Library()


@register.inclusion_tag("governance/case_state.html")
def case_state(case):
    """The case's state as a coloured tag; label and colour from its workflow (workflows/*.yaml)."""
    state = get_workflow(case.workflow).state(case.state)
    return {"label": gettext(state.label), "colour": state.colour}


@register.filter
def named_departments(case) -> str:
    """The case's departments by name, the lead first."""
    from parkgov.codes.tables import code_table

    from parkgov.governance.cases import listed

    table = code_table("departments")
    return listed(gettext(table.label(code)) for code in case.departments)


@register.filter
def department_name(code) -> str:
    from parkgov.codes.tables import code_table

    return gettext(code_table("departments").label(code)) if code else "—"


@register.filter
def get_step(actions, code):
    return (actions or {}).get(code)
