"""Django's form renderer with the plain `<input>` and `<select>` widgets rendered in Python.

Django renders every widget through its template engine: an `<input>` is three nested templates, a `<select>`
one more per option. A list page's filter form (ten widgets, a park select) cost about 4 ms of a 30 ms page
that way. `FastWidgetRenderer` writes exactly what those templates write for the widgets whose template is
one of Django's own input or select templates, and hands every other template (the admin's, checkboxes,
anything customised) to Django's renderer unchanged. `tests/test_form_renderer.py` renders every field of the
project's forms both ways and compares the HTML.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

WIDGETS = "django/forms/widgets/"
INPUTS = {WIDGETS + name for name in ("input.html", "text.html", "number.html", "email.html", "url.html",
                                      "search.html", "tel.html", "password.html", "hidden.html", "date.html",
                                      "datetime.html", "time.html", "color.html")}
SELECT, OPTION = WIDGETS + "select.html", WIDGETS + "select_option.html"


class FastWidgetRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None and set(context) <= {"widget"}:
            try:
                if template_name in INPUTS:
                    return _input(widget)
                if template_name == SELECT:
                    return _select(widget)
            except _Unusual:
                pass
        return super().render(template_name, context, request)


class _Unusual(Exception):
    """A value the templates would format in a way this module does not copy (the template renders it)."""


def _text(value) -> str:
    """`{{ value }}` for text: escaped unless safe."""
    if isinstance(value, Promise):
        value = str(value)
    if not isinstance(value, str):
        raise _Unusual  # numbers, dates … are localised by the template engine
    return conditional_escape(value)


def _formatted(value) -> str:
    """`{{ value|stringformat:'s' }}`."""
    if isinstance(value, tuple):
        raise _Unusual
    text = "%s" % value
    return conditional_escape(mark_safe(text) if isinstance(value, SafeData) else text)


def _attrs(attrs) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(" " + _text(name))
        if value is not True:
            parts.append('="' + _formatted(value) + '"')
    return "".join(parts)


def _input(widget) -> str:
    """django/forms/widgets/input.html (and the templates that only include it), stripped as render() does."""
    value = "" if widget["value"] is None else ' value="' + _formatted(widget["value"]) + '"'
    return mark_safe(f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}'
                     f'{_attrs(widget["attrs"])}>')


def _select(widget) -> str:
    """django/forms/widgets/select.html with select_option.html for each option."""
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option.get("template_name") != OPTION:
                raise _Unusual
            parts.append(f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                         f'{_text(option["label"])}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))
