"""REST API: token auth, data scopes, GeoJSON, uploads as jobs, one error shape; a schemathesis run (both DBs)."""

import json

import pytest
import shapely
from django.contrib.auth import get_user_model

from parkgov.accounts.models import Profile
from parkgov.accounts.services import issue_api_token
from parkgov.ledger.models import Finding, Zone
from parkgov.testing import evaluated_ledger_with_geometry, small_ledger_sheets, uscc, write_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(tmp_path, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARKGOV_MEDIA_ROOT = tmp_path / "media"
    evaluated_ledger_with_geometry(folder=tmp_path, actor=actor)


@pytest.fixture
def token(ledger):
    """token(username) → a fresh API token for that demo account."""
    return lambda username: issue_api_token(user=get_user_model().objects.get(username=username))


def get(client, url, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(url, params, headers=headers)


def assert_error(response, status, code):
    assert response.status_code == status, response.content.decode()[:500]
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]
    assert "Traceback" not in response.content.decode()
    return body["error"]


def test_without_a_valid_token_answers_401_in_the_error_shape(client, token):
    error = assert_error(get(client, "/api/zones"), 401, "not_authenticated")
    assert "Bearer" in error["message"]
    assert_error(get(client, "/api/zones", token="not-a-token"), 401, "not_authenticated")
    assert get(client, "/api/zones").headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_api_path_and_missing_record_answer_404_in_the_error_shape(client, token):
    admin = token("admin")
    assert_error(get(client, "/api/no-such-thing", admin), 404, "not_found")
    error = assert_error(get(client, "/api/enterprises/NOSUCHCODE", admin), 404, "not_found")
    assert "NOSUCHCODE" in error["message"]


def test_bad_parameters_answer_422_naming_the_parameter(client, token):
    admin = token("admin")
    error = assert_error(get(client, "/api/parcels", admin, bbox="1,2,x"), 422, "invalid")
    assert "bbox" in error["message"] and "'1,2,x'" in error["message"]
    error = assert_error(get(client, "/api/enterprises", admin, limit=100000), 422, "invalid")
    assert error["details"][0]["field"].endswith("limit") and "1000" in error["details"][0]["message"]


def test_unsupported_method_and_unexpected_errors_keep_the_error_shape(client, token, monkeypatch):
    admin = token("admin")
    error = assert_error(client.post("/api/zones", headers={"Authorization": f"Bearer {admin}"}), 405,
                         "method_not_allowed")
    assert "POST" in error["message"]

    def broken(**kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("parkgov.api.queries.zones", broken)
    response = get(client, "/api/zones", admin)
    error = assert_error(response, 500, "internal_error")
    assert "secret internal detail" not in response.content.decode() and error["details"] == []


def test_control_characters_in_parameters_are_refused_not_sent_to_the_database(client, token):
    admin = token("admin")
    assert_error(get(client, "/api/enterprises", admin, q="a\x00b"), 422, "invalid")
    assert_error(get(client, "/api/parcels/a%00b", admin), 422, "invalid")


def test_list_endpoints_do_not_query_per_row(client, token, django_assert_max_num_queries):
    admin = token("admin")
    run_id = get(client, "/api/evaluations", admin).json()["items"][0]["id"]
    for url in ("/api/zones", "/api/parcels", "/api/enterprises", "/api/findings", f"/api/evaluations/{run_id}/results",
                f"/api/enterprises/{uscc(1)}/figures"):
        with django_assert_max_num_queries(6):  # auth and scope 2, count and page 2
            assert get(client, url, admin).status_code == 200


def test_browser_session_is_accepted(client, ledger):
    client.force_login(get_user_model().objects.get(username="economy"))
    assert client.get("/api/zones").status_code == 200


def test_zones(client, token):
    rows = get(client, "/api/zones", token("committee")).json()
    assert [z["code"] for z in rows] == ["SZ", "SZ-XW1"]
    assert rows[1]["parent_code"] == "SZ" and rows[1]["kind"] == "small_firm_park"


def test_parcels_are_a_valid_geojson_feature_collection_with_bbox_and_paging(client, token):
    admin = token("admin")
    body = get(client, "/api/parcels", admin).json()
    assert body["type"] == "FeatureCollection" and body["count"] == 3
    features = {f["id"]: f for f in body["features"]}
    for feature in features.values():
        assert feature["type"] == "Feature" and set(feature) == {"type", "id", "geometry", "properties"}
        if feature["geometry"] is not None:
            assert shapely.from_geojson(json.dumps(feature["geometry"])).is_valid
    assert features["SZ-0001"]["geometry"]["type"] == "Polygon"
    assert features["SZ-0003"]["geometry"] is None  # no drawn boundary yet
    inside = get(client, "/api/parcels", admin, bbox="120.799,29.599,120.8005,29.6005").json()
    assert [f["id"] for f in inside["features"]] == ["SZ-0001"] and inside["count"] == 1
    paged = get(client, "/api/parcels", admin, limit=1, offset=1).json()
    assert [f["id"] for f in paged["features"]] == ["SZ-0002"] and paged["count"] == 3
    one = get(client, "/api/parcels/SZ-0001", admin).json()
    assert one["properties"]["zone_code"] == "SZ"
    assert {link["role"] for link in one["properties"]["land_links"]} == {"holder", "tenant"}


def test_enterprise_filters_and_detail(client, token):
    economy = token("economy")
    assert get(client, "/api/enterprises", economy).json()["count"] == 3
    assert [e["zone_code"] for e in get(client, "/api/enterprises", economy, zone="SZ-XW1").json()["items"]] == \
        ["SZ-XW1"]
    assert get(client, "/api/enterprises", economy, scale="above").json()["count"] == 1
    assert get(client, "/api/enterprises", economy, q="乙领带").json()["items"][0]["credit_code"] == uscc(2)
    detail = get(client, f"/api/enterprises/{uscc(1)}", economy).json()
    assert detail["name"] == "嵊州市甲厨具有限公司" and detail["land_links"][0]["parcel_code"] == "SZ-0001"


def test_figures_leave_out_fields_the_role_may_not_see(client, token):
    url = f"/api/enterprises/{uscc(1)}/figures"
    ecology = get(client, url, token("ecology")).json()
    assert [row["year"] for row in ecology] == [2024, 2025]
    for row in ecology:
        assert "tax" not in row and "revenue" not in row and row["energy_tce"] is not None
        assert "tax" not in row["provenance"] and "energy_tce" in row["provenance"]
    tax = get(client, url, token("tax")).json()
    assert tax[1]["tax"] == 680 and "energy_tce" not in tax[1]
    source = tax[1]["provenance"]["tax"]
    assert source["method"] == "import" and source["file_name"] == "ledger.xlsx"


def test_a_role_without_the_domain_gets_403(client, token):
    tax = token("tax")
    error = assert_error(get(client, "/api/findings", tax), 403, "permission_denied")
    assert "税务" in error["message"]
    assert_error(get(client, "/api/evaluations", tax), 403, "permission_denied")
    assert_error(get(client, f"/api/enterprises/{uscc(1)}/figures", token("natural_resources")), 403,
                 "permission_denied")


def test_departments_see_only_their_own_findings(client, token):
    assert get(client, "/api/findings", token("committee")).json()["count"] == 2
    ecology = get(client, "/api/findings", token("ecology")).json()
    assert [f["department"] for f in ecology["items"]] == ["ecology"]
    assert ecology["items"][0]["credit_code"] == uscc(1)


def test_park_restricted_user_sees_only_its_parks(client, token):
    user = get_user_model().objects.create_user("xw1-economy")
    profile = Profile.objects.create(user=user, role="economy", department="economy")
    profile.zones.set([Zone.objects.get(code="SZ-XW1")])
    restricted = issue_api_token(user=user)
    assert [z["code"] for z in get(client, "/api/zones", restricted).json()] == ["SZ-XW1"]
    assert [e["credit_code"] for e in get(client, "/api/enterprises", restricted).json()["items"]] == [uscc(2)]
    assert [f["id"] for f in get(client, "/api/parcels", restricted).json()["features"]] == ["SZ-0002"]
    assert get(client, "/api/findings", restricted).json()["count"] == 0
    assert_error(get(client, f"/api/enterprises/{uscc(1)}", restricted), 404, "not_found")
    assert_error(get(client, "/api/parcels/SZ-0001", restricted), 404, "not_found")
    run = get(client, "/api/evaluations", restricted).json()["items"][0]
    results = get(client, f"/api/evaluations/{run['id']}/results", restricted).json()
    assert {r["credit_code"] for r in results["items"]} == {uscc(2)}


def test_evaluation_runs_and_results(client, token):
    committee = token("committee")
    runs = get(client, "/api/evaluations", committee).json()
    assert runs["count"] == 1 and runs["items"][0]["year"] == 2025
    url = f"/api/evaluations/{runs['items'][0]['id']}/results"
    every = get(client, url, committee).json()
    assert every["count"] == 3
    klass = every["items"][0]["class_final"]
    chosen = get(client, url, committee, **{"class": klass}).json()
    assert chosen["count"] >= 1 and {r["class_final"] for r in chosen["items"]} == {klass}
    assert get(client, url, committee, limit=1).json()["items"].__len__() == 1
    # issue 17 §4: a firm not rated keeps no benchmark and score; the API gives every indicator both, as null
    unrated = next(r for r in every["items"] if r["not_rated_reason"])
    assert unrated["indicators"] and all({"value", "benchmark", "score", "text"} <= set(data) and data["score"] is None
                                         for data in unrated["indicators"].values())
    assert_error(get(client, "/api/evaluations/999999/results", committee), 404, "not_found")
    assert_error(get(client, url, committee, **{"class": "Z"}), 422, "invalid")


def upload(client, token, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/api/imports", {"file": SimpleUploadedFile(name, content)},
                       headers={"Authorization": f"Bearer {token}"})


def test_bad_workbook_upload_becomes_a_rejected_job_listing_the_errors(client, token, tmp_path,
                                                                      django_capture_on_commit_callbacks):
    sheets = small_ledger_sheets()
    sheets["企业"][1][0] = "91330683MA0000000X"  # wrong check digit
    path = write_workbook(tmp_path / "bad.xlsx", sheets)
    economy = token("economy")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, economy, "企业.xlsx", path.read_bytes())
    assert response.status_code == 202, response.content.decode()[:500]
    job_id = response.json()["id"]
    assert response.headers["Location"] == f"/api/jobs/{job_id}"
    job = get(client, f"/api/jobs/{job_id}", economy).json()
    assert job["status"] == "rejected" and job["finished"] and job["result"]["errors"] >= 1
    assert any("91330683MA0000000X" in str(issue["value"]) for issue in job["result"]["issues"])
    assert job["has_file"]
    assert get(client, f"/api/jobs/{job_id}/file", economy).status_code == 200
    assert_error(get(client, f"/api/jobs/{job_id}", token("tax")), 404, "not_found")  # only the creator's jobs


def test_good_workbook_upload_is_written(client, token, tmp_path, django_capture_on_commit_callbacks):
    path = write_workbook(tmp_path / "good.xlsx", small_ledger_sheets())
    economy = token("economy")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, economy, "good.xlsx", path.read_bytes())
    job = get(client, f"/api/jobs/{response.json()['id']}", economy).json()
    assert job["status"] == "done" and job["progress"] == 100


def test_oversized_and_wrong_type_uploads_are_refused_in_the_error_shape(client, token, settings):
    economy = token("economy")
    settings.PARKGOV_UPLOAD_MAX_BYTES = 1024
    error = assert_error(upload(client, economy, "big.xlsx", b"PK\x03\x04" + b"0" * 2048), 413, "too_large")
    assert "超过上限" in error["message"] and error["details"][0]["field"] == "file"
    error = assert_error(upload(client, economy, "notes.txt", b"hello"), 422, "invalid")
    assert "notes.txt" in error["message"]
    assert_error(upload(client, economy, "fake.xlsx", b"not a zip"), 422, "invalid")
    missing = client.post("/api/imports", {}, headers={"Authorization": f"Bearer {economy}"})
    assert assert_error(missing, 422, "invalid")["details"][0]["field"].endswith("file")
    assert_error(upload(client, token("committee"), "a.xlsx", b"PK\x03\x04"), 403, "permission_denied")


def test_session_upload_needs_the_csrf_token(ledger):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(get_user_model().objects.get(username="economy"))
    assert_error(browser.post("/api/imports", {}), 403, "permission_denied")


@pytest.fixture
def wsgi_app():
    """parkgov's WSGI app, called in-process inside the test's transaction (as Django's test client does)."""
    from django.core import signals
    from django.db import close_old_connections

    from parkgov.wsgi import application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_no_get_endpoint_answers_5xx_for_generated_requests(wsgi_app, token):
    """Valid and invalid requests generated from the OpenAPI schema, half of them for records that exist."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from schemathesis.generation import GenerationMode

    from parkgov.evaluation.models import EvaluationRun
    from parkgov.jobs.models import Job

    admin = get_user_model().objects.get(username="admin")
    headers = {"Authorization": f"Bearer {token('admin')}"}
    job = Job.objects.create(kind="import", title="导入 ledger.xlsx", created_by=admin)
    known = {"code": "SZ-0001", "credit_code": uscc(1), "run_id": EvaluationRun.objects.get().pk, "job_id": str(job.pk),
             "finding_id": Finding.objects.order_by("pk").first().pk}
    from parkgov.testing import open_test_case

    known["number"] = open_test_case().number  # issue 14: a case, opened by the demo 管委会
    from parkgov.testing import make_appeal

    known["appeal_id"] = make_appeal(run=EvaluationRun.objects.get()).pk  # issue 16 §5
    known["day"] = "2026-01-01"  # issue 17 §2: the parcels valid on a date
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)
    gets = [result.ok() for result in schema.get_all_operations() if result.ok().method.upper() == "GET"]
    assert len(gets) >= 10

    for operation in gets:
        existing = {p.name: known[p.name] for p in operation.path_parameters}
        strategy = st.one_of(*[operation.as_strategy(mode, path_parameters=fixed)
                               for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
                               for fixed in ((None, existing) if existing else (None,))])

        @settings(max_examples=30, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def check(case):
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.as_curl_command(), response.text[:300])
            if response.status_code >= 400:
                assert set(response.json()["error"]) == {"code", "message", "details"}

        check()
