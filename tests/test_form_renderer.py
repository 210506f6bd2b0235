"""FastWidgetRenderer writes what Django's widget templates write: every widget kind with awkward values, and
whole pages (lists with their filters, the admin's change and add forms, login, evaluation, import) rendered
with both renderers (both databases)."""

import re
from types import SimpleNamespace

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.forms.renderers import DjangoTemplates
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from parkgov.accounts.services import ensure_demo_accounts
from parkgov.ingest.services import import_workbook
from parkgov.testing import small_ledger_sheets, uscc, write_workbook
from parkgov.web.form_renderer import FastWidgetRenderer

pytestmark = pytest.mark.django_db
# tokens that differ on every render: CSRF masks and the edit forms' row version (it carries the time)
TOKENS = re.compile(r'((?:name="csrfmiddlewaretoken"|name="row_version") value=|"X-CSRFToken": )"[^"]+"')


class Awkward(forms.Form):
    text = forms.CharField(initial='say "<hi>" & \'bye\'', widget=forms.TextInput(attrs={
        "placeholder": gettext_lazy("企业名称"), "data-n": 0, "autofocus": True, "hidden": False,
        "data-safe": mark_safe("<b>kept</b>"), "data-none": None}))
    number = forms.DecimalField(initial=12.5)
    empty = forms.CharField(required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), initial="x<y")
    hidden = forms.CharField(widget=forms.HiddenInput, initial="&amp;")
    choice = forms.ChoiceField(choices=[("", "全部"), ("a&b", "A & B"), (3, gettext_lazy("规上")),
                                        ("group", [("g1", "<g1>"), ("g2", mark_safe("<i>g2</i>"))])],
                               initial="a&b")
    many = forms.MultipleChoiceField(choices=[(1, "one"), (2, "two")], initial=[2])
    flag = forms.NullBooleanField()
    note = forms.CharField(widget=forms.Textarea)  # not copied: Django's template renders it
    tick = forms.BooleanField()


@pytest.mark.parametrize("data", [None, {"text": "<script>", "number": "1e400", "choice": "group", "many": ["1", "x"],
                                         "flag": "true", "day": "2026-02-30", "empty": '"'}])
def test_every_widget_kind_renders_as_with_django_templates(data):
    fast = Awkward(data, renderer=FastWidgetRenderer())
    slow = Awkward(data, renderer=DjangoTemplates())
    for name in fast.fields:
        assert str(fast[name]) == str(slow[name]), name
    assert fast.as_div() == slow.as_div()


class Recording(FastWidgetRenderer):
    """Notes which templates still go through the template engine."""

    def __init__(self):
        self.templated = set()

    def get_template(self, template_name):
        self.templated.add(template_name)
        return super().get_template(template_name)


def test_inputs_and_selects_skip_the_template_engine():
    renderer = Recording()
    for name, field in Awkward(renderer=renderer).fields.items():
        str(Awkward(renderer=renderer)[name])
    widgets = {name.rsplit("/", 1)[-1] for name in renderer.templated if "/widgets/" in name}
    assert widgets == {"textarea.html", "checkbox.html"}, widgets


@pytest.fixture
def ledger(tmp_path, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    import_workbook(path=write_workbook(tmp_path / "台账.xlsx", small_ledger_sheets()), actor=actor,
                    department="economy")
    ensure_demo_accounts()
    return SimpleNamespace(a=uscc(1))


def _pages(client):
    from parkgov.ledger.models import Enterprise, Parcel, Zone

    firm, parcel, zone = Enterprise.objects.first(), Parcel.objects.first(), Zone.objects.first()
    pages = ["/enterprises/?scale=above&q=<x>&zone=" + str(zone.pk), "/enterprises/?industry=13&year=abc",
             "/parcels/?mismatch=true&supply_status=idle", "/findings/?since=2025-01-01&severity=nope",
             "/evaluation/", "/import/", "/audit/?who=admin"]
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        pages.append(reverse("admin:%s_%s_changelist" % info))
        pages.append(reverse("admin:%s_%s_add" % info))
    for model, row in ((Enterprise, firm), (Parcel, parcel), (Zone, zone)):
        pages.append(reverse(f"admin:ledger_{model._meta.model_name}_change", args=[row.pk]))
    return pages


def test_pages_render_the_same_with_either_renderer(client, ledger, settings):
    client.force_login(get_user_model().objects.get(username="admin"),
                       backend="parkgov.accounts.backends.ProfileBackend")
    pages, compared = _pages(client), 0
    for url in pages:
        settings.FORM_RENDERER = "django.forms.renderers.DjangoTemplates"
        slow = client.get(url)
        settings.FORM_RENDERER = "parkgov.web.form_renderer.FastWidgetRenderer"
        fast = client.get(url)
        assert fast.status_code == slow.status_code, url
        if slow.status_code == 200:
            assert TOKENS.sub("TOKEN", fast.content.decode()) == TOKENS.sub("TOKEN", slow.content.decode()), url
            compared += 1
    assert compared >= 20
    client.logout()
    settings.FORM_RENDERER = "django.forms.renderers.DjangoTemplates"
    slow = client.get("/login/")
    settings.FORM_RENDERER = "parkgov.web.form_renderer.FastWidgetRenderer"
    fast = client.get("/login/")
    assert TOKENS.sub("TOKEN", fast.content.decode()) == TOKENS.sub("TOKEN", slow.content.decode())
