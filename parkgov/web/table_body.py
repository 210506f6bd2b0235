"""The body of a list table rendered by per-column cell functions built once per page.

django-tables2 renders every cell through `BoundRow.get_cell`, which inspects the render method's signature and
renders a template fragment per cell: 80–130 ms of CPU for a 50-row page, which caps a two-core server near
20 list pages a second. `ListTable` keeps django-tables2 for what it does well (columns, headers, ordering,
pagination) and renders the body with the same semantics — choice labels through `get_FOO_display()`, the
column's empty default, `render_FOO` methods and `render()` of custom columns, `linkify`, escaping and the
`td` attributes — but decides once per column what each cell needs. `tests/test_pages.py` checks cell by
cell that the result is what django-tables2 itself renders.
"""

import copy
import datetime
import html
import inspect
import re
from collections import OrderedDict
from functools import lru_cache
from urllib.parse import quote

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist
from django.template.defaultfilters import date as date_filter
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise, cached_property
from django.utils.html import conditional_escape, escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from parkgov.web.converters import StoredCodeConverter

DATE_FORMAT = re.compile(r'date:"([^"]*)"')  # the format inside DateColumn's template
RENDER_ARGUMENTS = ("value", "record", "column", "bound_column", "table")
URL_SAFE = "!$&'()*+,;=" + "/~:@"  # what django.urls.reverse leaves unquoted (RFC 3986 pchar)
PLACEHOLDER = "parkgov0placeholder0"


class ListTable(tables.Table):
    """A django-tables2 table whose page body is rendered by `body_html()` (see the module docstring)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.base_columns = _ColumnsCopiedOneLevel(cls.base_columns)

    @cached_property
    def column_attrs(self) -> dict:
        """Each column's `BoundColumn.attrs`, worked out once per page (the header and the body both need them)."""
        return {column.name: column.attrs for column in self.columns}

    @cached_property
    def language(self):
        """The page's language, looked up once (a cell asking for it costs more than formatting its figure)."""
        return get_language()

    def head_html(self):
        """The `<thead>` of django-tables2's table.html (headers, sort links keeping the query's other parameters)
        without the template engine: 1.2 of the 1.7 ms the table's template took besides the body. Needs
        `self.request` (set by the view, as django-tables2's RequestConfig does)."""
        query = dict(self.request.GET)
        cells = []
        for column in self.columns:
            header = conditional_escape(column.header)
            if column.orderable:
                link = escape("?" + urlencode({**query, self.prefixed_order_by_field: column.order_by_alias.next},
                                              doseq=True))
                header = f'<a href="{link}">{header}</a>'
            cells.append(f"<th {self.column_attrs[column.name]['th'].as_html()}>{header}</th>")
        return mark_safe(f"<thead ><tr>{''.join(cells)}</tr></thead>")

    def body_html(self):
        """The `<tr>` rows of the current page (or the empty-text row) as one safe string."""
        cells = [self._cell_function(bound_column) for bound_column in self.columns]
        records = [row.record for row in (self.page.object_list if hasattr(self, "page") else self.rows)]
        rows = ["<tr>" + "".join([cell(record) for cell in cells]) + "</tr>" for record in records]
        if not rows and self.empty_text:
            rows = [format_html('<tr><td colspan="{}">{}</td></tr>', len(cells), self.empty_text)]
        return mark_safe("\n".join(rows))

    def _cell_function(self, bound_column):
        """A function record → `<td …>…</td>` equivalent to django-tables2's rendering of this column."""
        column = bound_column.column
        td_attrs = self.column_attrs[bound_column.name]["td"]
        templated = isinstance(column, tables.TemplateColumn) and not isinstance(column, tables.DateColumn)
        if templated or any(callable(v) for v in column.attrs.get("td", {}).values()):
            return lambda record: self._slow_cell(bound_column, record)
        opening = f"<td {td_attrs.as_html()}>"
        value_of = self._value_function(bound_column)
        render = bound_column.render
        if isinstance(column, tables.DateColumn) and bound_column.render == column.render:
            text_format = DATE_FORMAT.search(column.template_code).group(1)

            def render(value, default=bound_column.default):
                if text_format == "Y-m-d" and type(value) is datetime.date and value.year >= 1000:
                    return value.isoformat()  # what the date filter gives for this format
                return date_filter(value, text_format) or default  # DateColumn's template, without the template
        elif type(column).render is tables.Column.render and bound_column.render == column.render:
            render = None  # Column.render returns the value as it is
        accepted = _accepted_arguments(render) if render else ("value",)
        link = bound_column.link
        href_of = _href_function(link)
        default = conditional_escape(bound_column.default)
        empty_values = column.empty_values

        def cell(record):
            value = value_of(record)
            if value in empty_values:
                return opening + default + "</td>"
            if render is None:
                content = value
            elif accepted == ("value",):
                content = render(value)
            else:
                arguments = {"value": value, "record": record, "column": column, "bound_column": bound_column,
                             "table": self}
                content = render(**{name: arguments[name] for name in accepted})
            if link:
                href = href_of(record) if href_of is not None else None
                if href is not None:
                    return f'{opening}<a href="{href}">{_escaped(content)}</a></td>'
                content = link(content, value=value, record=record, column=column, bound_column=bound_column,
                               table=self, bound_row=None)
            return opening + _escaped(content) + "</td>"

        return cell

    def _value_function(self, bound_column):
        """record → the cell's value: `get_FOO_display()` for fields with choices, else the accessor's value."""
        accessor = tables.A(bound_column.accessor)
        model = getattr(self.data, "model", None)
        parts = accessor.bits
        try:
            field = accessor.get_field(model) if model is not None else None
        except FieldDoesNotExist:
            field = None
        if field is not None and getattr(field, "choices", None):
            labels = {key: str(label) for key, label in field.flatchoices}  # translated once per page
            raw = parts[:-1] + [field.attname]

            def display(record):
                value = _walk(record, raw)
                return labels.get(value, value)  # what get_FOO_display() returns

            return display

        def resolve(record):
            try:
                return _walk(record, parts)
            except AttributeError:
                return None

        return resolve

    def _slow_cell(self, bound_column, record):
        row = tables.rows.BoundRow(record, table=self)
        return format_html("<td {}>{}</td>", bound_column.attrs["td"].as_html(), row.get_cell(bound_column.name))


class _ColumnsCopiedOneLevel(OrderedDict):
    """A table class's columns, which each table copies (`Table.__init__` deep-copies them). A table may change
    its columns' attributes (hide one, set its accessor) but not what they refer to — lazy names, link specs,
    orderings —, so each table gets copies of the columns and of their attribute dicts only: deep copies of
    everything were 3 % of a list page's CPU (py-spy)."""

    def __deepcopy__(self, memo):
        return OrderedDict((name, _column_copy(column)) for name, column in self.items())


def _column_copy(column):
    clone = copy.copy(column)
    clone.attrs = copy.deepcopy(column.attrs)
    return clone


def _href_function(link):
    """For a link given as `linkify=(view name, [A("field")])`: record → the escaped href that django-tables2's
    reverse() would give, by quoting the value into a URL reversed once (None: the caller takes the slow way)."""
    if not isinstance(link, tables.columns.base.LinkTransform) or link.url or link.attrs:
        return None
    arguments = link.reverse_args
    if set(arguments) != {"viewname", "args"} or not isinstance(arguments["viewname"], str) \
            or len(arguments["args"]) != 1 or not isinstance(arguments["args"][0], tables.A):
        return None
    try:
        before, after = reverse(arguments["viewname"], args=[PLACEHOLDER]).split(PLACEHOLDER)
    except (NoReverseMatch, ValueError):
        return None
    parts = arguments["args"][0].bits

    def href(record):
        try:
            text = str(_walk(record, parts))
        except AttributeError:
            return None
        if not text or text.startswith("%"):
            return None  # what reverse() would treat specially
        # the <stored:…> converter's escape; it leaves the digits of <int:…> routes as they are
        return html.escape(before + quote(StoredCodeConverter().to_url(text), safe=URL_SAFE) + after)

    return href


def _escaped(content) -> str:
    """`conditional_escape` without its lazy-argument wrapper (a page escapes hundreds of cells)."""
    if isinstance(content, Promise):
        content = str(content)
    return content.__html__() if hasattr(content, "__html__") else html.escape(str(content))


def _walk(record, parts):
    value = record
    for part in parts:
        if value is None:
            return None
        value = getattr(value, part)
    return value


def _accepted_arguments(function) -> tuple:
    """Which of the cell arguments `function` takes (all of them if it takes **kwargs)."""
    if inspect.ismethod(function):  # a column's or a table's render method: the same function on every page
        return _accepted_arguments_of(function.__func__)
    return _accepted_arguments_of.__wrapped__(function)


@lru_cache(maxsize=256)
def _accepted_arguments_of(function) -> tuple:
    parameters = inspect.signature(function).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return RENDER_ARGUMENTS
    names = {p.name for p in parameters}
    return tuple(name for name in RENDER_ARGUMENTS if name in names)
