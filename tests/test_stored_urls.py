"""Any stored code or name goes through every page that shows or links it (issue 13: a parcel code with `/` gave
500 on the list and its dossier). Codes are hypothesis-generated, stored in the database, then fetched back."""

from urllib.parse import quote, urlencode

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from parkgov.accounts.services import ensure_demo_accounts
from parkgov.ingest.services import import_workbook
from parkgov.ledger.models import Enterprise, Parcel
from parkgov.testing import small_ledger_sheets, uscc, write_workbook
from parkgov.web.converters import StoredCodeConverter

pytestmark = pytest.mark.django_db
STORED = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cn", "Co")), min_size=1, max_size=40).filter(str.strip) | \
    st.sampled_from(["A/B", "/", "//x/", ".", "..", "...", "%", "%2F", "50%", "a?b=c", "#1", "a b", "~2F", "~",
                     "export.xlsx", "地块/一号", "SZ-0001/", "\u200b", "x" * 40])
CREDIT_CODE = STORED.filter(lambda value: len(value) <= 18)  # what the column holds (PostgreSQL enforces it)
FUZZ = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


@pytest.fixture
def admin(client, tmp_path, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    import_workbook(path=write_workbook(tmp_path / "l.xlsx", small_ledger_sheets()), actor=actor)
    ensure_demo_accounts()
    client.force_login(get_user_model().objects.get(username="admin"),
                       backend="parkgov.accounts.backends.ProfileBackend")
    return client


@given(value=STORED)
@example(value="~7E2F")
def test_converter_round_trips_every_value(value):
    converter = StoredCodeConverter()
    url = converter.to_url(value)
    assert "/" not in url and url.strip(".") and converter.to_python(url) == value


def _get(client, url, statuses=(200,)):
    response = client.get(url)
    assert response.status_code in statuses, (url, response.status_code, response.content[:300])
    return response


@FUZZ
@given(code=STORED, name=STORED)
@example(code="A/B", name="x")
@example(code="..", name="x")
def test_stored_parcel_codes_and_names_survive_every_page(admin, code, name):
    parcel = Parcel.objects.get(code="SZ-0001")
    parcel.code = code
    parcel.save()  # a history row: the list caches see the change
    try:
        dossier = reverse("web:parcel", args=[code])
        _get(admin, dossier)
        for url in ["/parcels/?sort=code", "/parcels/?sort=-code"]:
            assert escape(dossier) in _get(admin, url).content.decode()
        _get(admin, "/parcels/?" + urlencode({"q": code}))
        assert _get(admin, "/api/parcels/" + _quoted(code)).json()["properties"]["code"] == code
        _get(admin, reverse("web:parcel_feature", args=[parcel.pk]), statuses=(200, 404))
        # every other page, export and API list that shows or links the parcel (issue 13: no stored value → 500)
        assert code in {f["id"] for f in _get(admin, "/api/parcels?limit=100").json()["features"]}
        for url in ("/parcels/export.xlsx", f"/enterprises/{uscc(1)}/", "/findings/", "/findings/export.xlsx",
                    "/map/", "/"):
            _get(admin, url)
    finally:
        parcel.code = "SZ-0001"
        parcel.save()


@FUZZ
@given(credit_code=CREDIT_CODE, name=STORED)
@example(credit_code="91/33%06?83#", name="甲/乙")
@example(credit_code="~", name="..")
def test_stored_credit_codes_and_names_survive_every_page(admin, credit_code, name):
    firm = Enterprise.objects.get(credit_code=uscc(1))
    firm.credit_code, firm.name = credit_code, name
    firm.save()
    try:
        dossier = reverse("web:enterprise", args=[credit_code])
        _get(admin, dossier)
        for url in ["/enterprises/?sort=credit_code", "/enterprises/?sort=-name"]:
            assert escape(dossier) in _get(admin, url).content.decode()
        _get(admin, "/enterprises/?" + urlencode({"q": name}))
        _get(admin, "/api/enterprises/" + _quoted(credit_code))
        _get(admin, "/api/enterprises/" + _quoted(credit_code) + "/figures")
        assert credit_code in {e["credit_code"] for e in _get(admin, "/api/enterprises?limit=100").json()["items"]}
        for url in ("/enterprises/export.xlsx", "/parcels/SZ-0001/", "/findings/", "/findings/export.xlsx",
                    "/api/findings?limit=100", "/evaluation/", "/audit/", "/"):
            _get(admin, url)
    finally:
        firm.credit_code = uscc(1)
        firm.save()


def _quoted(value):
    return quote(StoredCodeConverter().to_url(value), safe="~")
