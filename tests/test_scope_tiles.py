"""Map tiles, cards and the point lookup × every role × a park-restricted and an unrestricted user: the parcels
each one gets are exactly those of its parks, and class and tier reach only the roles that see evaluation results
(issue 13 §1; exports, downloads and API lists are in tests/test_scope.py). Also: the 公示名单 of the run asked for.

The ledger: park SZ with child park SZ-XW1. Firms a, c and parcels SZ-0001, SZ-0003 lie in SZ; firm b and parcel
SZ-0002 in SZ-XW1. A restricted user is restricted to SZ-XW1. Findings: 生态环境 on a and on b, 综合执法 on SZ-0003.
"""

import datetime as dt
import io

import mapbox_vector_tile
import polars as pl
import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver

from parkgov.accounts.models import Profile
from parkgov.accounts.scopes import role_table
from parkgov.accounts.services import ensure_demo_accounts
from parkgov.evaluation.models import EvaluationResult, EvaluationRun
from parkgov.evaluation.services import run_evaluation
from parkgov.ingest.services import import_workbook
from parkgov.jobs.models import Job, JobStatus
from parkgov.jobs.services import start_job
from parkgov.ledger.models import Parcel, Zone
from parkgov.ledger.services import attach_geometry
from parkgov.spatial.tiles import lonlat_to_tile
from parkgov.testing import small_ledger_sheets, square_wkb, staff_roles, uscc, write_workbook

pytestmark = pytest.mark.django_db

A, B, C = uscc(1), uscc(2), uscc(3)
FIRMS = {"all": {A, B, C}, "park": {B}}
PARCELS = {"all": {"SZ-0001", "SZ-0002", "SZ-0003"}, "park": {"SZ-0002"}}
DRAWN = {"all": {"SZ-0001", "SZ-0002"}, "park": {"SZ-0002"}}  # parcels with geometry
ZONES = {"all": {"SZ", "SZ-XW1"}, "park": {"SZ-XW1"}}
FINDINGS = {  # (department, description) of the findings each user may see
    "all": {("ecology", "危废暂存间标识不全"), ("enforcement", "未批先建彩钢棚"), ("ecology", "废水排放口标识缺失")},
    "park": {("ecology", "废水排放口标识缺失")},
}
ROLES = staff_roles()  # issue 16 §5: enterprise accounts get no tile (tests/test_scope.py)
SQUARES = {"SZ-0001": (120.83, 29.58, 160), "SZ-0002": (120.834, 29.58, 80)}
Z = 14

COVERED = {  # URL name → the test below that checks its rows for every role and scope
    "web:enterprises_export": "test_list_exports", "web:parcels_export": "test_list_exports",
    "web:findings_export": "test_list_exports", "web:evaluation_download": "test_evaluation_download",
    "web:job_download": "test_large_export_jobs", "web:tile": "test_tiles_and_cards",
    "web:parcel_feature": "test_tiles_and_cards", "web:parcel_at_point": "test_tiles_and_cards",
}
API_LISTS = ("/api/zones", "/api/parcels", "/api/enterprises", "/api/findings", "/api/evaluations/{run}/results",
             "/api/jobs/{job}/file")


@pytest.fixture
def ledger(tmp_path, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARKGOV_MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    sheets = small_ledger_sheets()
    sheets["检查发现"].append([B, "SZ-0002", "生态环境", "环保", "一般", dt.date(2025, 7, 1), "废水排放口标识缺失",
                           "整改中"])
    import_workbook(path=write_workbook(tmp_path / "ledger.xlsx", sheets), actor=actor)
    attach_geometry(model=Parcel, frame=pl.DataFrame({"code": list(SQUARES),
                                                      "wkb": [square_wkb(*spec) for spec in SQUARES.values()]}))
    run_evaluation(year=2025, ruleset_id="zj-huangyan-2022", actor=actor)
    ensure_demo_accounts()
    park = Zone.objects.get(code="SZ-XW1")
    for role in ROLES:  # the restricted twin of every demo account
        user = get_user_model().objects.create_user(f"{role}-park", password="x-long-password-1")
        profile = Profile.objects.create(user=user, role=role, department=role)
        profile.zones.set([park])
    return EvaluationRun.objects.get()


def _user(role, extent):
    return get_user_model().objects.get(username=role if extent == "all" else f"{role}-park")


def _client(client, role, extent):
    client.logout()
    client.force_login(_user(role, extent), backend="parkgov.accounts.backends.ProfileBackend")
    return client


def _reads(role, domain):
    return domain in role_table()["roles"][role]["read"]


def _sees(role, group):
    return group in role_table()["roles"][role].get("field_groups", [])


def _own_findings(role, extent):
    rows = FINDINGS[extent]
    return {row for row in rows if row[0] == role} if role_table()["roles"][role].get("own_findings_only") else rows


def _workbook(response) -> dict:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return pl.read_excel(io.BytesIO(body), sheet_id=0, engine="calamine", raise_if_empty=False)


def _column(frames: dict, header) -> set:
    return {value for frame in frames.values() if header in frame.columns for value in frame[header].to_list()
            if value is not None}


def _all_patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _all_patterns(entry, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name, str(entry.pattern)


def _tile_features(client) -> dict:
    features = {}
    codes = dict(Parcel.objects.values_list("id", "code"))
    for x, y in {lonlat_to_tile(lon, lat, Z) for lon, lat, _side in SQUARES.values()}:
        response = client.get(f"/tiles/parcels/{Z}/{x}/{y}.pbf")
        assert response.status_code in (200, 204)
        if response.status_code == 200:
            layer = mapbox_vector_tile.decode(response.content)["parcels"]
            features |= {codes[f["id"]]: f["properties"] for f in layer["features"]}
    return features


@pytest.mark.parametrize("extent", ["all", "park"])
@pytest.mark.parametrize("role", ROLES)
def test_tiles_and_cards(client, ledger, role, extent):
    """Tiles hold the user's parcels only; class and tier reach only roles that see evaluation results (a
    生态环境 user saw the class on the map card), in tiles, cards, the point lookup and the map's legends."""
    _client(client, role, extent)
    features = _tile_features(client)
    assert set(features) == DRAWN[extent]
    sees_class = _sees(role, "evaluation_results")
    sees_tier = sees_class and _sees(role, "tax_figures")
    for code in DRAWN["all"]:
        parcel = Parcel.objects.get(code=code)
        card = client.get(f"/tiles/parcels/{parcel.pk}.json")
        lon, lat, _side = SQUARES[code]
        at = client.get(f"/tiles/parcels/at.json?lon={lon + 0.0002}&lat={lat + 0.0002}&z=16")
        if code not in DRAWN[extent]:
            assert card.status_code == 404 and at.status_code == 404
            continue
        assert card.status_code == 200 and at.status_code == 200, (card.content, at.content)
        for properties in (card.json(), at.json(), features[code]):
            assert ("class" in properties) == sees_class, (role, properties)
            assert "tier" not in properties or sees_tier, (role, properties)
    page = client.get("/map/").content.decode()
    assert ('"class": {"title"' in page) == sees_class


def test_the_download_is_of_the_run_asked_for(client, ledger, actor):
    """issue 13: the download of run N wrote the latest run of the same year and method; now run N itself."""
    newer = run_evaluation(year=2025, ruleset_id="zj-huangyan-2022", actor=actor)
    rated = EvaluationResult.objects.filter(run=ledger, not_rated_reason="")
    rated.update(class_final="A")  # the older run's rated firms are now all A; the newer run's are not
    assert EvaluationResult.objects.filter(run=newer, not_rated_reason="").exclude(class_final="A").exists()
    _client(client, "economy", "all")
    for run in (ledger, newer):
        response = client.get(f"/evaluation/runs/{run.pk}/download/")
        assert response.status_code == 200
        frames = _workbook(response)
        notices = {name: frame for name, frame in frames.items() if name not in ("不参评名单", "电价加价清单")}
        expected = set(EvaluationResult.objects.filter(run=run, not_rated_reason="").values_list("class_final",
                                                                                                 flat=True))
        assert _column(notices, "类别") == expected, (run.pk, expected)


def test_the_cockpit_shows_classes_only_to_roles_that_see_them(client, ledger):
    import json
    import re

    for role in ROLES:
        page = _client(client, role, "all").get("/").content.decode()
        data = json.loads(re.search(r'id="cockpit-data" type="application/json">(.*?)</script>', page, re.S).group(1))
        assert bool(data.get("classes")) == _sees(role, "evaluation_results"), role
        assert ('id="chart-classes"' in page) == _sees(role, "evaluation_results"), role
