"""Issue 13 §1: every export, download and API list × every role × a park-scoped and an unscoped user gives
exactly the rows of the user's scope (credit codes / parcel codes), 403 for roles without the domain; field
visibility (evaluation_results) applied alike on the map, the dossier and the API; the import CLI's department."""

import datetime as dt
import io
import re

import fastexcel
import pytest
from django.contrib.auth import get_user_model
from django.urls import get_resolver, reverse

from parkgov.accounts.models import Profile
from parkgov.accounts.scopes import role_table, scope_for
from parkgov.accounts.services import issue_api_token
from parkgov.api.api import api
from parkgov.codes.tables import department_code
from parkgov.errors import UsageError
from parkgov.evaluation.models import EvaluationRun
from parkgov.jobs.models import Job
from parkgov.jobs.services import start_job
from parkgov.governance.evidence import store_attachment
from parkgov.ledger.models import Finding, Parcel, Zone
from parkgov.spatial.services import map_context
from parkgov.spatial.topology_checks import check_topology
from parkgov.spatial.tiles import rated_names
from parkgov.spatial.tiles import parcel_properties
from parkgov.supply.models import Contract
from parkgov.testing import evaluated_ledger_with_geometry, open_test_case, pdf_bytes, png_bytes, uscc
from tests.test_gis_exports import gpkg_codes

pytestmark = pytest.mark.django_db

ROLES = sorted(role_table()["roles"])
FIRMS = {None: {uscc(1), uscc(2), uscc(3)}, "SZ-XW1": {uscc(2)}}  # park the user is scoped to → firms in it
PARCELS = {None: {"SZ-0001", "SZ-0002", "SZ-0003"}, "SZ-XW1": {"SZ-0002"}}
OWN_FINDINGS = {"ecology": {"SZ-0001"}, "enforcement": {"SZ-0003"}}  # the workbook's findings by department
RATED_FIRMS = FIRMS  # the 2025 run rates or lists as not rated every firm
# issue 14: a finding on SZ-0002 (park SZ-XW1) recorded by 生态环境 under 安全生产, a category that is not its own
# (possible through import): hidden from 生态环境 by its categories and from 应急管理 by the department
CROSS_FINDING = "SZ-0002"


def expected_findings(role, park):
    if role_table()["roles"][role].get("own_findings_only"):
        return OWN_FINDINGS.get(role, set()) if park is None else set()  # the workbook's findings lie in SZ
    return {"SZ-0001", "SZ-0003", CROSS_FINDING} if park is None else {CROSS_FINDING}


# url name → (domain the role must read, what the rows are identified by); the coverage test below fails for an
# export/download/list URL missing here
WEB = {"enterprises_export": ("enterprise", "统一社会信用代码"), "parcels_export": ("parcel", "地块编码"),
       "findings_export": ("finding", "地块编码"), "evaluation_download": ("evaluation", "统一社会信用代码"),
       "job_download": (None, "统一社会信用代码"), "topology_download": ("parcel", "地块编码"),
       "map_selection_export": ("parcel", "地块编码")}  # issue 17 §3: the map's chosen parcels (every id asked)
API_LISTS = {"list_zones": "zone", "list_parcels": "parcel", "list_enterprises": "enterprise",
             "list_findings": "finding", "list_runs": "evaluation", "list_results": "evaluation",
             "get_job_file": None, "list_dispositions": "list", "list_cases": "case"}
API_LISTS["list_finding_attachments"] = "finding"  # issue 14: a finding's evidence
API_LISTS["list_parcels_on"] = "parcel"  # issue 17 §2: the parcels valid on a date
API_NOT_LISTS = {"openapi-json", "openapi-view", "get_parcel", "get_enterprise", "get_figures", "create_import",
                 "get_job", "api-root"}  # single records and actions, scoped in tests/test_api.py
API_NOT_LISTS |= {"split_parcel", "merge_parcels"}  # issue 17 §2: actions, scoped in tests/test_split_merge.py
# issue 18 §2: a job's owner alone cancels or reruns it (others get 404), in tests/test_jobs_workflow.py
API_NOT_LISTS |= {"cancel_job", "retry_job"}
# issue 14: finding writes and one finding, scoped in tests/test_findings.py (and below: attachments)
API_NOT_LISTS |= {"create_finding", "get_finding", "update_finding", "change_finding_status",
                  "upload_finding_attachments"}
GOVERNANCE_DOWNLOADS = {"attachment": "finding"}  # governance URL name → domain; exact files checked below
# issue 14 cases: single records and actions, scoped per role and park in tests/test_case_scope.py
API_NOT_LISTS |= {"get_case", "create_case", "transition_case", "sign_off_case", "complete_case_step",
                  "upload_case_attachments"}
CASES = {None: {"SZ-0001", "SZ-0002"}, "SZ-XW1": {"SZ-0002"}}  # parcels of the world's two cases, by park
CASE_WEB = {"cases_export": ("case", "地块编码")}
# issue 17 §3: exports with a GPKG variant (?format=gpkg), checked beside their workbook in the tests below
GIS_VARIANTS = {"evaluation_download", "cases_export", "lists_export", "list_export", "contracts_export",
                "idle_export"}
# issue 14: governance downloads (governance.urls) and API lists; the rows are the entries' subject keys
GOVERNANCE_WEB = {"lists_export": ("list", "对象编码"), "list_export": ("list", "对象编码")}
API_LISTS.update({"list_list_runs": "list", "list_list_entries": "list", "get_list_diff": "list"})
# actions: generating lists (a job, refused without list write: tests/test_governance_lists.py) and deciding a
# 四个一批 disposition (test_disposition_page_api_and_decide_are_scoped below)
API_NOT_LISTS |= {"generate_lists", "decide_disposition"}
# issue 15 §1 准入联审: the applications export and document download (supply.urls) and the API list; the rows are
# the investors' credit codes (one application in SZ by uscc(901), one in its park SZ-XW1 by uscc(902))
APPLICATIONS = {None: {uscc(901), uscc(902)}, "SZ-XW1": {uscc(902)}}
ADMISSION_WEB = {"applications_export": ("supply", "统一社会信用代码")}
SUPPLY_DOWNLOADS = {"application_document": "supply"}
API_LISTS["list_applications"] = "supply"
# single applications and their steps, scoped per role and park in tests/test_supply_admission*.py
API_NOT_LISTS |= {"get_application", "create_application", "update_application", "transition_application",
                  "give_application_opinion", "decide_application", "contract_application"}
# issue 15: EVERY supply URL (supply.urls: pages, exports, downloads, actions) is in one of these, or the coverage
# test fails. Pages and exports: url name → (domain the role must read, what identifies the rows), checked per role
# and park below; actions and single records: scoped per role and park in the part's own tests.
SUPPLY_PAGES = {"index": ("supply", "data-contract"),  # the 供地 landing page's reminders
                "applications": ("supply", "data-number"),  # 准入联审: the applications list
                "contracts": ("supply", "data-number"),  # 标准地: the contracts list
                "idle": ("supply", "data-parcel"),  # 闲置土地: the supplied parcels' clocks
                "control": ("supply", "data-parcel"),  # 控制指标: the checked parcels (all=1)
                "renovations": ("supply", "data-parcel"),  # 零增地: the renovated parcels
                "quota": ("supply", "data-zone")}  # 用地指标: the parks' accounts
# 准入联审: the form, one application, its printable record and its steps (tests/test_supply_admission*.py)
SUPPLY_NOT_LISTS: set = {"application_new", "application", "application_edit", "application_record",
                         "application_act", "application_opinion", "application_decide", "application_contract",
                         "application_documents"}
# 标准地: one contract, its edit form and starting a review (a job), in tests/test_supply_contract*.py and
# tests/test_supply_review*.py
SUPPLY_NOT_LISTS |= {"contract", "contract_edit", "review_start"}
# 闲置土地: one parcel's clock and the notice and exception forms (tests/test_supply_idle*.py)
SUPPLY_NOT_LISTS |= {"idle_parcel", "idle_notice_new", "idle_notice_edit", "idle_exception_new",
                     "idle_exception_edit"}
# 零增地 and 用地指标: forms, one account and the transfer decision (tests/test_supply_quota*.py, test_supply_control*)
SUPPLY_NOT_LISTS |= {"renovation_new", "renovation_edit", "quota_transfer", "quota_decide", "quota_account",
                     "quota_debit"}
PAGE_PARAMS = {"idle": {"status": ""}, "control": {"all": "1"}}  # every row, not the default filter
SUPPLY_CONTRACTS = {None: {"K-1", "K-2", "K-3"}, "SZ-XW1": {"K-2"}}  # contracts on SZ-0001, SZ-0002, SZ-0003
# issue 15 (contracts): supply downloads (supply.urls) and API lists; rows are parcel codes of the two contracts
CONTRACT_WEB = {"contracts_export": ("supply", "地块编码"), "review_export": ("supply", "地块编码")}
SUPPLY_ROWS = {None: {"SZ-0001", "SZ-0002"}, "SZ-XW1": {"SZ-0002"}}
API_LISTS.update({"list_supply_contracts": "supply", "list_supply_reviews": "supply",
                  "list_commitment_checks": "supply", "list_idle_checks": "supply"})
API_NOT_LISTS |= {"update_supply_contract"}  # a write: scoped in tests/test_supply_contract_pages.py and below
# issue 15 §3 闲置土地: the idle-land workbook; the rows are parcel codes
IDLE_WEB = {"idle_export": ("supply", "地块编码")}
# issue 15 (landuse): control indicators, 零增地, land quota
LANDUSE_WEB = {"control_export": ("supply", "地块编码")}
API_LISTS.update({"list_control_violations": "supply", "list_renovations": "supply", "list_quota_accounts": "supply",
                  "list_quota_movements": "supply", "list_quota_transfers": "supply"})
API_NOT_LISTS |= {"create_renovation", "create_quota_debit", "create_quota_transfer", "decide_quota_transfer"}
# the small ledger checked against the control indicators: SZ-0001 and SZ-0002 meet them, SZ-0003 (supplied
# 2008-01-01 under the 2004 edition, 建筑系数 700/3000 = 23.33 % < 30 %) breaks one; with all=1 every checked one
CONTROL_ALL = PARCELS
CONTROL_VIOLATIONS = {None: {"SZ-0003"}, "SZ-XW1": set()}
ZONES = {None: {"SZ", "SZ-XW1"}, "SZ-XW1": {"SZ-XW1"}}
SUPPLY_WEB = {**ADMISSION_WEB, **CONTRACT_WEB, **IDLE_WEB, **LANDUSE_WEB}
# issue 16 §1: 园区评价 downloads (zones.urls) and API lists; the rows are zone codes (checked below)
ZONES_WEB = {"zone_export": ("zone_eval", "园区编码"), "ranking_export": ("zone_eval", "园区编码"),
             "green_export": ("zone_eval", "园区编码")}  # issue 16 §2: the 底线 workbook
API_LISTS.update({"list_zone_runs": "zone_eval", "list_zone_results": "zone_eval", "list_zone_accounts": "zone_eval",
                  "list_zone_bottom_line": "zone_eval"})
# issue 16 §3: the month's dispatch template (rows are project codes) and the targets and key-project API lists;
# the dispatch report PDF (root URL zone_dispatch_report) is checked with them below
ZONES_WEB["dispatch_template_download"] = ("zone_eval", "项目编码")
API_LISTS.update({"list_zone_targets": "zone_eval", "list_key_projects": "zone_eval", "list_project_dispatch": "zone_eval"})
API_NOT_LISTS |= {"submit_project_dispatch"}  # a write: scoped in tests/test_zones_targets.py and below
PROJECTS = {None: {"XM-SZ", "XM-XW1"}, "SZ-XW1": {"XM-XW1"}}
# issue 16 §4: EVERY PDF report URL (reports.urls) → the domain the role must read; checked per role and park below
REPORTS_WEB = {"enterprise_pdf": "enterprise", "parcel_pdf": "parcel", "annual_pdf": "zone", "zone_dossiers": "zone"}
FIRM_NAMES = {uscc(1): "嵊州市甲厨具有限公司", uscc(2): "嵊州市乙领带有限公司", uscc(3): "嵊州市丙机械有限公司"}
ZONES = {None: {"SZ", "SZ-XW1"}, "SZ-XW1": {"SZ-XW1"}}
# issue 16 §5 企业申诉: the appeals list and the enterprise's own summary (checked below per role and park, and for
# the enterprise accounts: only their own firm), single appeals and the workflow's steps
API_LISTS.update({"list_appeals": "appeal", "get_me": "appeal"})
API_NOT_LISTS |= {"get_appeal", "create_appeal", "transition_appeal"}  # scoped in tests/test_appeals.py and below
# EVERY URL of the staff appeal pages (web/appeals_urls.py) and of the enterprise's pages (web/me_urls.py)
APPEAL_PAGES = {"queue": ("appeal", "data-credit-code"), "accounts": ("appeal", "data-credit-code")}
APPEAL_NOT_LISTS = {"detail", "evidence", "decide_report", "publicity"}  # one record or an action: below
ME_PAGES = {"overview", "appeal_new", "appeal", "report"}  # the bound firm only (Scope.enterprise_id)
ME_PAGES.add("dossier")  # the firm's own 一企一档 PDF: test_enterprise_gets_only_its_own_dossier_pdf
# issue 16 §5: the enterprise accounts of the matrix, each bound to one firm ("enterprise-xw1" to the firm of the
# park SZ-XW1); the enterprise role reads no staff domain, so every staff route refuses it
ENTERPRISE_OF = {None: uscc(1), "SZ-XW1": uscc(2)}


@pytest.fixture(scope="module")
def world_data(django_db_setup, django_db_blocker, tmp_path_factory):
    """The small evaluated ledger with its users, findings, cases and a topology check, built ONCE for the module
    and committed (each test runs in its own rolled-back transaction over it: about 370 builds before), then
    flushed so that other modules start from an empty database."""
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import override_settings

    from parkgov.audit.context import system_user

    folder = tmp_path_factory.mktemp("scope")
    with django_db_blocker.unblock(), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            PARKGOV_MEDIA_ROOT=folder / "media", PARKGOV_EVIDENCE_DIR=folder / "evidence"):
        try:
            _build_world(folder, system_user("test:operator"))
            yield
        finally:
            call_command("flush", interactive=False, verbosity=0)
            cache.clear()


def _build_world(folder, actor):
    evaluated_ledger_with_geometry(folder=folder, actor=actor)
    Finding.objects.create(parcel=Parcel.objects.get(code=CROSS_FINDING), department="ecology", category="safety",
                           severity="major", found_on=dt.date(2025, 6, 1), description="跨类别")
    User = get_user_model()
    from parkgov.appeals.accounts import create_enterprise_account

    for role in ROLES:
        if role == "admin":
            continue  # administrators are superusers: never park-limited
        if role == "enterprise":  # issue 16 §5: bound to one firm, created by the zone
            for park, code in ENTERPRISE_OF.items():
                create_enterprise_account(credit_code=code, username=role if park is None else f"{role}-xw1")
            continue
        user = User.objects.create_user(f"{role}-xw1")
        Profile.objects.create(user=user, role=role, department=role).zones.set([Zone.objects.get(code="SZ-XW1")])
    for code in sorted(CASES[None]):  # issue 14: one case in SZ, one in its park SZ-XW1
        open_test_case(parcel_code=code)
    # issue 17: a topology problem on every drawn parcel — any difference of drawn and recorded area counts here
    from parkgov.spatial.topology import RULES_FILE

    strict = folder / "topology.yaml"
    strict.write_text(RULES_FILE.read_text(encoding="utf-8").replace("relative: 0.03", "relative: 0.000001")
                      .replace("absolute_m2: 10.0", "absolute_m2: 0.0"), encoding="utf-8")
    check_topology(rules_path=strict)


@pytest.fixture
def world(world_data, db):
    return EvaluationRun.objects.get()


def users():
    return [(role, None) for role in ROLES] + [(role, "SZ-XW1") for role in ROLES if role != "admin"]


def user_of(role, park):
    return get_user_model().objects.get(username=role if park is None else f"{role}-xw1")


def workbook_codes(response, header) -> set:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    reader = fastexcel.read_excel(body)
    codes = set()
    for name in reader.sheet_names:
        frame = reader.load_sheet(name).to_polars()
        if header in frame.columns:
            codes |= {c for c in frame[header].to_list() if c}
    return codes


def test_matrix_covers_every_export_download_and_api_list():
    """issue 13: a new export/download URL or API route not in the matrix makes this fail."""
    assert get_resolver().url_patterns  # the root URLconf registers the <stored:…> converter (run alone, too)
    web = {p.name for p in get_resolver("parkgov.web.urls").url_patterns
           if p.name and ("export" in p.name or "download" in p.name)}
    assert web == set(WEB)
    governance = {p.name for p in get_resolver("parkgov.governance.urls").url_patterns
                  if p.name and any(word in p.name for word in ("export", "download", "attachment"))}
    assert governance == set(GOVERNANCE_DOWNLOADS) | set(GOVERNANCE_WEB) | set(CASE_WEB)
    supply = {p.name for p in get_resolver("parkgov.supply.urls").url_patterns if p.name}
    assert supply == set(SUPPLY_PAGES) | set(SUPPLY_WEB) | set(SUPPLY_DOWNLOADS) | SUPPLY_NOT_LISTS, \
        "issue 15: a supply URL not in the matrix"
    zones = {p.name for p in get_resolver("parkgov.zones.urls").url_patterns
             if p.name and ("export" in p.name or "download" in p.name)}
    assert zones == set(ZONES_WEB)
    reports = {p.name for p in get_resolver("parkgov.reports.urls").url_patterns if p.name}
    assert reports == set(REPORTS_WEB), "issue 16 §4: a report URL not in the matrix"
    appeals = {p.name for p in get_resolver("parkgov.web.appeals_urls").url_patterns if p.name}
    assert appeals == set(APPEAL_PAGES) | APPEAL_NOT_LISTS, "issue 16 §5: an appeal URL not in the matrix"
    assert {p.name for p in get_resolver("parkgov.web.me_urls").url_patterns if p.name} == ME_PAGES
    routes = {p.name for p in api.urls[0]}
    assert routes == set(API_LISTS) | API_NOT_LISTS


def expected_rows(name, role, park):
    if name in ("enterprises_export", "list_enterprises"):
        return FIRMS[park]
    if name in ("topology_download", "map_selection_export", "list_parcels_on"):  # the two drawn parcels (SZ-0003 has no geometry)
        return PARCELS[park] - {"SZ-0003"}
    if name in ("parcels_export", "list_parcels"):
        return PARCELS[park]
    if name in ("findings_export", "list_findings"):
        return expected_findings(role, park)
    if name in ("evaluation_download", "list_results"):
        return RATED_FIRMS[park]
    if name in ("cases_export", "list_cases"):
        return CASES[park]
    if name in ("applications_export", "list_applications"):
        return APPLICATIONS[park]
    raise AssertionError(name)


@pytest.mark.parametrize("role,park", users())
def test_web_exports_give_exactly_the_rows_of_the_users_scope(client, world, role, park, tmp_path):
    """issue 13: the evaluation download ignored the requester's parks (535 rows where the park holds 76)."""
    client.force_login(user_of(role, park))
    reads = scope_for(user_of(role, park)).read
    for name, (domain, header) in WEB.items():
        if name == "job_download":
            continue  # below: served only to the job's creator
        kwargs = {"evaluation_download": {"run_id": world.pk}, "topology_download": {"fmt": "xlsx"},
                  "map_selection_export": {"fmt": "xlsx"}}.get(name, {})
        url = reverse(f"web:{name}", kwargs=kwargs)
        every = ",".join(str(i) for i in Parcel.objects.values_list("id", flat=True))
        response = client.get(url, {"ids": every} if name == "map_selection_export" else {})
        if domain not in reads:
            assert response.status_code == 403, (name, role, park)
            assert client.get(url, {"format": "gpkg"}).status_code == 403, (name, role, park)
            continue
        assert response.status_code == 200, (name, role, park, response.status_code)
        assert workbook_codes(response, header) == expected_rows(name, role, park), (name, role, park)
        if name in GIS_VARIANTS:  # issue 17 §3: the GPKG variant holds the same rows
            gis = client.get(url, {"format": "gpkg"})
            assert gpkg_codes(gis, header, tmp_path) == expected_rows(name, role, park), (name, role, park)


@pytest.mark.parametrize("role,park", users())
def test_api_lists_give_exactly_the_rows_of_the_users_scope(client, world, role, park):
    """issue 13: the same matrix for the API's lists."""
    headers = {"Authorization": f"Bearer {issue_api_token(user=user_of(role, park))}"}
    reads = scope_for(user_of(role, park)).read
    for name, url, key in [("list_enterprises", "/api/enterprises", "credit_code"),
                           ("list_parcels", "/api/parcels", "id"), ("list_parcels_on", "/api/parcels/on/2026-01-01", "id"),
                           ("list_findings", "/api/findings", "parcel_code"),
                           ("list_results", f"/api/evaluations/{world.pk}/results", "credit_code"),
                           ("list_cases", "/api/governance/cases", "parcel_code")]:
        response = client.get(url, {"limit": 500}, headers=headers)
        if API_LISTS[name] not in reads:
            assert response.status_code == 403, (name, role, park)
            continue
        assert response.status_code == 200, (name, role, park, response.content[:300])
        body = response.json()
        items = body["features"] if "features" in body else body["items"]
        assert {i[key] for i in items if i.get(key)} == expected_rows(name, role, park), (name, role, park)
    for finding in Finding.objects.select_related("parcel"):  # issue 14: a finding's evidence, in scope or 404
        response = client.get(f"/api/findings/{finding.pk}/attachments", headers=headers)
        if API_LISTS["list_finding_attachments"] not in reads:
            assert response.status_code == 403, (role, park)
            continue
        shown = finding.parcel.code in expected_rows("list_findings", role, park)
        assert response.status_code == (200 if shown else 404), (role, park, finding.parcel.code)
    zones = client.get("/api/zones", headers=headers)
    if role == "enterprise":  # issue 16 §5: reads no staff domain
        assert zones.status_code == 403
        return
    assert {z["code"] for z in zones.json()} == ({"SZ", "SZ-XW1"} if park is None else {"SZ-XW1"})
    runs = client.get("/api/evaluations", headers=headers)
    assert runs.status_code == (200 if "evaluation" in reads else 403)


@pytest.mark.parametrize("role,park", users())
def test_evidence_downloads_give_exactly_the_files_of_the_users_scope(client, world, actor, role, park):
    """issue 14: an attachment of each finding; the download serves exactly those of findings in scope, 404 else."""
    files = {finding.parcel.code: store_attachment(upload=(f"{finding.parcel.code}.png", png_bytes()), actor=actor,
                                                   finding=finding)
             for finding in Finding.objects.select_related("parcel")}
    client.force_login(user_of(role, park))
    served = set()
    for code, attachment in files.items():
        response = client.get(reverse("governance:attachment", args=[attachment.pk]))
        assert response.status_code in (200, 404), (role, park, code)
        if response.status_code == 200:
            served.add(code)
    reads = scope_for(user_of(role, park)).read
    assert served == (expected_rows("list_findings", role, park) if "finding" in reads else set())


@pytest.mark.parametrize("role,park", users())
def test_case_export_gives_exactly_the_cases_of_the_users_parks(client, world, role, park, tmp_path):
    """issue 14: the cases workbook (the board's rows) per role and park; every staff role reads cases (the
    enterprise accounts of issue 16 §5 read their own cases on /me/ only)."""
    client.force_login(user_of(role, park))
    for name, (domain, header) in CASE_WEB.items():
        response = client.get(reverse(f"governance:{name}"))
        if role == "enterprise":
            assert response.status_code == 403, (name, park)
            continue
        assert response.status_code == 200, (name, role, park)
        assert workbook_codes(response, header) == expected_rows(name, role, park), (name, role, park)
        gis = client.get(reverse(f"governance:{name}"), {"format": "gpkg"})  # issue 17 §3: the GPKG variant
        assert gpkg_codes(gis, header, tmp_path) == expected_rows(name, role, park), (name, role, park)


def test_job_download_is_served_only_to_its_creator(client, world, django_capture_on_commit_callbacks):
    """issue 13: a large export written by a job carries its creator's scope and is served to nobody else."""
    owner, other = user_of("economy", "SZ-XW1"), user_of("economy", None)
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(kind="export", title="导出企业", user=owner, params={"list": "enterprises", "query": ""})
    job.refresh_from_db()
    assert job.output_file and str(job.pk) in job.output_file
    client.force_login(owner)
    assert workbook_codes(client.get(reverse("web:job_download", args=[job.pk])), "统一社会信用代码") == FIRMS["SZ-XW1"]
    client.force_login(other)
    assert client.get(reverse("web:job_download", args=[job.pk])).status_code == 404
    token = issue_api_token(user=other)
    assert client.get(f"/api/jobs/{job.pk}/file", headers={"Authorization": f"Bearer {token}"}).status_code == 404


def test_evaluation_download_writes_no_shared_file(client, world, settings):
    """issue 13: every request wrote the same file under media/exports, so two users downloading at once could
    receive each other's list; now each request writes its own temporary file and leaves nothing behind."""
    client.force_login(user_of("economy", None))
    unscoped = client.get(reverse("web:evaluation_download", args=[world.pk]))
    client.force_login(user_of("economy", "SZ-XW1"))
    scoped = client.get(reverse("web:evaluation_download", args=[world.pk]))
    assert workbook_codes(unscoped, "统一社会信用代码") == RATED_FIRMS[None]
    assert workbook_codes(scoped, "统一社会信用代码") == RATED_FIRMS["SZ-XW1"]
    assert not (settings.PARKGOV_MEDIA_ROOT / "exports").exists()


@pytest.mark.parametrize("role", ROLES)
def test_evaluation_results_visible_only_to_their_field_group(world, role):
    """issue 13: a 生态环境 user saw the evaluation class on the map card; class and tier now follow the
    evaluation_results field group (roles.yaml) on the map card, map modes and legends, dossier and API."""
    scope = scope_for(user_of(role, None))
    sees = "evaluation_results" in role_table()["roles"][role]["field_groups"]
    assert sees == (role in ("admin", "committee", "economy"))
    parcel = Parcel.objects.get(code="SZ-0001")
    if role == "enterprise":  # issue 16 §5: no park at all, so no parcel card (its own parcel neither: /me/)
        from parkgov.errors import NotFound

        with pytest.raises(NotFound):
            parcel_properties(parcel_id=parcel.pk, scope=scope)
        assert rated_names(scope) == [] or "class" not in rated_names(scope)
        return
    properties = parcel_properties(parcel_id=parcel.pk, scope=scope)
    assert ("class" in properties) == sees, properties
    context = map_context(scope=scope)
    assert ("class" in context["legends"]) == sees and context["sees_class"] == sees
    assert [n for n in rated_names(scope) if n in ("class", "tier")] == (["class", "tier"] if sees else [])
    governance = [n for n in rated_names(scope) if n not in ("class", "tier", "finding")]  # issue 14
    reads = role_table()["roles"][role]["read"]
    assert governance == ["lists"] * ("list" in reads) + ["case", "overdue", "case_number"] * ("case" in reads) \
        + ["topology"] * ("parcel" in reads) \
        + ["commitment", "idle"] * ("supply" in reads)  # issue 15: the map's 承诺状态 and 闲置状态; 17: 拓扑问题
    assert ("tier" not in properties) or sees


def test_map_card_of_ecology_has_no_class(client, world):
    """issue 13: the map page of a 生态环境 user offers no class mode and no class on its card."""
    client.force_login(user_of("ecology", None))
    page = client.get(reverse("web:map")).content.decode()
    assert 'data-field="class"' not in page and 'value="class"' not in page
    client.force_login(user_of("economy", None))
    page = client.get(reverse("web:map")).content.decode()
    assert 'data-field="class"' in page and 'value="class"' in page


def test_import_department_is_checked_against_the_department_table(db):
    """issue 13: `parkgov import --department` accepted any value."""
    assert department_code("税务") == "tax" and department_code("tax") == "tax" and department_code("") == ""
    with pytest.raises(UsageError) as caught:
        department_code("财政局")
    assert "财政局" in str(caught.value) and "税务（tax）" in str(caught.value) and caught.value.exit_code == 2


def test_workbook_reader_reads_bytes():
    """The matrix reads responses in memory; a reader that silently returned nothing would pass empty sets."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("s")
    sheet.write_row(0, 0, ["统一社会信用代码"])
    sheet.write_row(1, 0, ["X"])
    book.close()

    class Response:
        streaming = False
        content = buffer.getvalue()

    assert workbook_codes(Response, "统一社会信用代码") == {"X"}


def test_require_sees_names_the_field_group(db):
    """issue 13: a role reading evaluations but not given the evaluation_results group (a change in roles.yaml)
    is refused evaluation results with a message naming the group, not a field identifier."""
    from django.core.exceptions import PermissionDenied

    from parkgov.accounts.scopes import Scope

    scope = Scope(role="x", role_name="经信", read=frozenset({"evaluation"}), write=frozenset(),
                  hidden_fields=frozenset({"evaluation_class"}), zone_ids=None)
    with pytest.raises(PermissionDenied) as caught:
        scope.require_sees("evaluation_class")
    assert "亩均评价结果" in str(caught.value) and "evaluation_class" not in str(caught.value)
    scope.require_sees("tax")  # not hidden: no error


@pytest.fixture
def lists(world):
    """A firm list and a parcel list of 2025 listing every firm and parcel (crafted: the matrix is about scope)."""
    from parkgov.testing import list_run

    return {"enterprise": list_run(rule_id="firms", year=2025, keys=sorted(FIRMS[None])),
            "parcel": list_run(rule_id="plots", year=2025, keys=sorted(PARCELS[None]), subject="parcel")}


@pytest.mark.parametrize("role,park", users())
def test_governance_downloads_give_exactly_the_entries_of_the_users_parks(client, lists, role, park, tmp_path):
    """issue 14: the year's workbook and each list's download hold the entries of the user's parks only."""
    client.force_login(user_of(role, park))
    reads = scope_for(user_of(role, park)).read
    expected = {"enterprise": FIRMS[park], "parcel": PARCELS[park]}
    for name, (domain, header) in GOVERNANCE_WEB.items():
        targets = [(reverse(f"governance:{name}"), {"year": 2025}, expected["enterprise"] | expected["parcel"])] \
            if name == "lists_export" else \
            [(reverse(f"governance:{name}", args=[run.pk]), {}, expected[kind]) for kind, run in lists.items()]
        for url, params, rows in targets:
            response = client.get(url, params)
            gis = client.get(url, {**params, "format": "gpkg"})  # issue 17 §3: the GPKG variant
            if domain not in reads:
                assert response.status_code == 403 and gis.status_code == 403, (name, role, park)
                continue
            assert response.status_code == 200, (name, role, park, response.status_code)
            assert workbook_codes(response, header) == rows, (name, role, park)
            assert gpkg_codes(gis, header, tmp_path) == rows, (name, role, park)


@pytest.mark.parametrize("role,park", users())
def test_governance_api_lists_give_exactly_the_entries_of_the_users_parks(client, lists, role, park):
    """issue 14: runs (entry counts), entries and the yearly diff through the API, per role and park."""
    headers = {"Authorization": f"Bearer {issue_api_token(user=user_of(role, park))}"}
    reads = scope_for(user_of(role, park)).read
    expected = {"enterprise": FIRMS[park], "parcel": PARCELS[park]}
    runs = client.get("/api/governance/lists", {"year": 2025}, headers=headers)
    if "list" not in reads:
        assert runs.status_code == 403
        return
    assert {r["rule_id"]: r["entries"] for r in runs.json()["items"]} == {
        "firms": len(expected["enterprise"]), "plots": len(expected["parcel"])}, (role, park)
    for kind, run in lists.items():
        entries = client.get(f"/api/governance/lists/{run.pk}/entries", {"limit": 500}, headers=headers).json()
        assert {e["subject_key"] for e in entries["items"]} == expected[kind], (kind, role, park)
        diff = client.get(f"/api/governance/lists/{run.pk}/diff", headers=headers).json()
        assert {e["subject_key"] for e in diff["new"]} == expected[kind] and not diff["still"] and not diff["left"]


@pytest.mark.parametrize("role,park", users())
def test_disposition_page_api_and_decide_are_scoped(client, lists, actor, role, park):
    """issue 14: the 四个一批 page lists exactly the parcels of the user's parks; deciding one outside them is
    404 (page and API), and only roles with `list` write may decide."""
    from parkgov.governance.dispositions import suggest_dispositions
    from parkgov.governance.models import DispositionDecision

    suggest_dispositions(year=2025, actor=actor)  # the parcels of both lists (plots, and the firms' parcels)
    user = user_of(role, park)
    client.force_login(user)
    if role == "enterprise":  # issue 16 §5: reads no staff domain
        row = DispositionDecision.objects.first()
        assert client.get(reverse("governance:dispositions")).status_code == 403
        assert client.get(reverse("governance:disposition_decide", args=[row.pk])).status_code == 403
        return
    page = client.get(reverse("governance:dispositions")).content.decode()
    assert {c for c in PARCELS[None] if f'data-parcel="{c}"' in page} == PARCELS[park], (role, park)
    writes = scope_for(user).can_write("list")
    headers = {"Authorization": f"Bearer {issue_api_token(user=user)}"}
    listed = client.get("/api/governance/dispositions", {"limit": 500}, headers=headers).json()
    assert {item["parcel_code"] for item in listed["items"]} == PARCELS[park], (role, park)
    for code in sorted(PARCELS[None]):
        row = DispositionDecision.objects.get(parcel__code=code)
        inside = code in PARCELS[park]
        response = client.post(f"/api/governance/dispositions/{row.pk}/decide", {"disposition": row.suggested},
                               content_type="application/json", headers=headers)
        expected = (200 if inside else 404) if writes else 403
        assert response.status_code == expected, (role, park, code, response.content[:200])
        form = client.get(reverse("governance:disposition_decide", args=[row.pk]))
        assert form.status_code == ((200 if inside else 404) if writes else 403), (role, park, code)
    decided = set(DispositionDecision.objects.exclude(decided="").values_list("parcel__code", flat=True))
    assert decided == (PARCELS[park] if writes else set())


@pytest.fixture
def applications(world, actor):
    """issue 15 §1: one application in SZ and one in SZ-XW1, each with a submitted document."""
    from parkgov.supply import admission
    from parkgov.testing import make_application

    investment = get_user_model().objects.get(username="investment")
    documents = {}
    for code, zone in ((uscc(901), "SZ"), (uscc(902), "SZ-XW1")):
        app = make_application(zone_code=zone, investor_credit_code=code)
        documents[code], = admission.add_documents(application=app, actor=investment, scope=scope_for(investment),
                                                   uploads=[(f"{code}.pdf", pdf_bytes())])
    return documents


@pytest.mark.parametrize("role,park", users())
def test_admission_export_api_list_and_documents_give_exactly_the_users_rows(client, applications, role, park):
    """issue 15 §1: the applications export, the API list and the document download per role and park."""
    user = user_of(role, park)
    reads = scope_for(user).read
    client.force_login(user)
    for name, (domain, header) in ADMISSION_WEB.items():
        response = client.get(reverse(f"supply:{name}"))
        if domain not in reads:
            assert response.status_code == 403, (name, role, park)
            continue
        assert response.status_code == 200, (name, role, park)
        assert workbook_codes(response, header) == expected_rows(name, role, park), (name, role, park)
    served = set()
    for code, document in applications.items():
        response = client.get(reverse("supply:application_document", args=[document.pk]))
        assert response.status_code in ((200, 404) if "supply" in reads else (403,)), (role, park, code)
        if response.status_code == 200:
            served.add(code)
    assert served == (expected_rows("list_applications", role, park) if "supply" in reads else set())
    response = client.get("/api/supply/applications", {"limit": 500},
                          headers={"Authorization": f"Bearer {issue_api_token(user=user)}"})
    if API_LISTS["list_applications"] not in reads:
        assert response.status_code == 403, (role, park)
        return
    assert {i["investor_credit_code"] for i in response.json()["items"]} == expected_rows("list_applications", role,
                                                                                           park), (role, park)


@pytest.fixture
def supply_rows(landuse):
    """issue 15: a contract on each parcel with an agreed start in the reminders' window (K-3 overdue)."""
    from django.utils import timezone

    from parkgov.testing import make_contract

    today = timezone.localdate()
    for n, days in ((1, 10), (2, 20), (3, -3)):
        make_contract(number=f"K-{n}", parcel=Parcel.objects.get(code=f"SZ-000{n}"),
                      agreed_start=today + dt.timedelta(days=days))
    return landuse


@pytest.mark.parametrize("role,park", users())
def test_supply_pages_give_exactly_the_rows_of_the_users_parks(client, supply_rows, applications, role, park):
    """issue 15: each supply page lists exactly the rows of the user's parks; 403 without `supply` read."""
    import re

    from parkgov.supply.models import Application

    numbers = {park: set(Application.objects.filter(investor_credit_code__in=codes).values_list("number", flat=True))
               for park, codes in APPLICATIONS.items()}  # the applications by their investors (not by park)
    expected = {"index": SUPPLY_CONTRACTS[park], "applications": numbers[park], "contracts": SUPPLY_CONTRACTS[park],
                "idle": PARCELS[park],  # K-1, K-2, K-3 on the three parcels
                "control": CONTROL_ALL[park], "renovations": PARCELS[park], "quota": ZONES[park]}
    client.force_login(user_of(role, park))
    reads = scope_for(user_of(role, park)).read
    for name, (domain, marker) in SUPPLY_PAGES.items():
        response = client.get(reverse(f"supply:{name}"), PAGE_PARAMS.get(name, {}))
        if domain not in reads:
            assert response.status_code == 403, (name, role, park)
            continue
        assert response.status_code == 200, (name, role, park)
        shown = set(re.findall(rf'{marker}="([^"]+)"', response.content.decode()))
        assert shown == expected[name], (name, role, park)


@pytest.fixture
def supply_world(world, tmp_path, actor):
    """issue 15: two 标准地 contracts (SZ-0001 in SZ, SZ-0002 in SZ-XW1) and a review run of them."""
    from parkgov.testing import contracts_world

    return contracts_world(folder=tmp_path, actor=actor)


@pytest.mark.parametrize("role,park", users())
def test_supply_downloads_and_api_give_exactly_the_contracts_of_the_users_parks(client, supply_world, role, park,
                                                                              tmp_path):
    """issue 15: the 标准地承诺 export, the review workbook and the review API lists, per role and park."""
    client.force_login(user_of(role, park))
    reads = scope_for(user_of(role, park)).read
    for name in ("contracts_export", "review_export"):
        domain, header = SUPPLY_WEB[name]
        url = reverse(f"supply:{name}", args=[supply_world.pk] if name == "review_export" else [])
        response = client.get(url)
        if domain not in reads:
            assert response.status_code == 403, (name, role, park)
            continue
        assert response.status_code == 200, (name, role, park)
        # the review workbook's 闲置土地 sheet has every supplied parcel of the parks, the contracts' beside
        expected = PARCELS[park] if name == "review_export" else SUPPLY_ROWS[park]
        assert workbook_codes(response, header) == expected, (name, role, park)
        if name in GIS_VARIANTS:  # issue 17 §3: the GPKG variant
            assert gpkg_codes(client.get(url, {"format": "gpkg"}), header, tmp_path) == expected, (name, role, park)
    headers = {"Authorization": f"Bearer {issue_api_token(user=user_of(role, park))}"}
    for name, url, key in [("list_supply_contracts", "/api/supply/contracts", "parcel_code"),
                           ("list_commitment_checks", f"/api/supply/reviews/{supply_world.pk}/commitments",
                            "parcel_code"),
                           ("list_idle_checks", f"/api/supply/reviews/{supply_world.pk}/idle", "parcel_code")]:
        response = client.get(url, {"limit": 500}, headers=headers)
        if API_LISTS[name] not in reads:
            assert response.status_code == 403, (name, role, park)
            continue
        assert response.status_code == 200, (name, role, park)
        codes = {i[key] for i in response.json()["items"]}
        assert codes == (PARCELS[park] if name == "list_idle_checks" else SUPPLY_ROWS[park]), (name, role, park)
    runs = client.get("/api/supply/reviews", headers=headers)
    assert runs.status_code == (200 if "supply" in reads else 403), (role, park)
    if "supply" in reads:
        assert runs.json()["items"][0]["contracts"] == len(SUPPLY_ROWS[park])
        patch = client.patch(f"/api/supply/contracts/{Contract.objects.get(number='BZD-2021-0001').pk}",
                             {"indicators": {"tax_per_mu": 24}}, content_type="application/json", headers=headers)
        writes = scope_for(user_of(role, park)).can_write("supply")
        assert patch.status_code == (403 if not writes else 200 if park is None else 404), (role, park)


@pytest.mark.parametrize("role,park", users())
def test_idle_land_export_gives_exactly_the_parcels_of_the_users_parks(client, world, role, park, tmp_path):
    """issue 15 §3: the idle-land workbook, as the page filters it, holds the parcels of the user's parks only;
    403 for roles without the supply domain."""
    from parkgov.testing import make_idle_contract

    for code, agreed in (("SZ-0001", dt.date(2024, 11, 30)), ("SZ-0002", dt.date(2025, 1, 31)),
                         ("SZ-0003", dt.date(2023, 10, 31))):
        make_idle_contract(parcel_code=code, number=f"HT-{code}", agreed_start=agreed)
    client.force_login(user_of(role, park))
    reads = scope_for(user_of(role, park)).read
    url = reverse("supply:idle_export")
    for params, rows in (({"on": "2025-12-31"}, PARCELS[park]),
                         ({"on": "2025-12-31", "status": "idle"}, PARCELS[park] & {"SZ-0001"}),
                         ({"on": "2025-12-31", "status": "warning"}, PARCELS[park] & {"SZ-0002"})):
        response = client.get(url, params)
        if "supply" not in reads:
            assert response.status_code == 403, (role, park)
            return
        assert response.status_code == 200, (role, park, response.status_code)
        assert workbook_codes(response, IDLE_WEB["idle_export"][1]) == rows, (role, park, params)
        gis = client.get(url, {**params, "format": "gpkg"})  # issue 17 §3: the GPKG variant
        assert gpkg_codes(gis, IDLE_WEB["idle_export"][1], tmp_path) == rows, (role, park, params)


@pytest.fixture
def landuse(world):
    from parkgov.testing import make_quota_credit, make_renovation

    parcels = {p.code: p for p in Parcel.objects.all()}
    for code in sorted(PARCELS[None]):
        make_renovation(parcel=parcels[code])
        make_quota_credit(zone=parcels[code].zone, mu=5, parcel=parcels[code])
    return world


@pytest.mark.parametrize("role,park", users())
def test_landuse_exports_and_api_lists_give_exactly_the_rows_of_the_users_parks(client, landuse, role, park):
    """issue 15: the control export (violations, and with all=1 every checked parcel), the control, 零增地 and
    quota API lists, per role and park."""
    user = user_of(role, park)
    client.force_login(user)
    reads = scope_for(user).read
    for params, expected in (({}, CONTROL_VIOLATIONS[park]), ({"all": "1"}, CONTROL_ALL[park])):
        response = client.get(reverse("supply:control_export"), params)
        if "supply" not in reads:
            assert response.status_code == 403, (role, park)
            continue
        assert response.status_code == 200, (role, park)
        assert workbook_codes(response, "地块编码") == expected, (role, park, params)
    headers = {"Authorization": f"Bearer {issue_api_token(user=user)}"}
    lists = [("/api/supply/control/violations", {"all": "true"}, "parcel_code", CONTROL_ALL[park]),
             ("/api/supply/control/violations", {}, "parcel_code", CONTROL_VIOLATIONS[park]),
             ("/api/supply/renovations", {}, "parcel_code", PARCELS[park]),
             ("/api/supply/quota/accounts", {}, "zone_code", ZONES[park]),
             ("/api/supply/quota/movements", {}, "parcel_code", PARCELS[park])]
    for url, params, key, expected in lists:
        response = client.get(url, params, headers=headers)
        if "supply" not in reads:
            assert response.status_code == 403, (url, role, park)
            continue
        assert response.status_code == 200, (url, role, park, response.content[:200])
        body = response.json()
        items = body if isinstance(body, list) else body["items"]
        assert {i[key] for i in items} == expected, (url, role, park)
    transfers = client.get("/api/supply/quota/transfers", headers=headers)
    assert transfers.status_code == (200 if "supply" in reads else 403) and (
        "supply" not in reads or transfers.json() == [])
    page = client.get(reverse("supply:control"), {"all": "1"})
    assert page.status_code == (200 if "supply" in reads else 403)
    if "supply" in reads:
        shown = {c for c in PARCELS[None] if f'data-parcel="{c}"' in page.content.decode()}
        assert shown == CONTROL_ALL[park], (role, park)


@pytest.fixture
def zone_run(world, actor):
    """issue 16 §1: the 2025 zone evaluation of the world's two zones (accounts derived from their parcels)."""
    from parkgov.zones.services import run_zone_evaluation

    return run_zone_evaluation(year=2025, actor=actor)


@pytest.mark.parametrize("role,park", users())
def test_zone_evaluation_pages_downloads_and_api_give_exactly_the_users_zones(client, zone_run, role, park):
    """issue 16 §1: the ranking and each zone's workbook, pages and API lists hold the zones of the user's parks
    only (a zone outside them is 404); roles without zone_eval get 403 everywhere."""
    user = user_of(role, park)
    client.force_login(user)
    headers = {"Authorization": f"Bearer {issue_api_token(user=user)}"}
    reads = scope_for(user).read
    ranking = client.get(reverse("zones:ranking_export"), {"year": 2025})
    results = client.get(f"/api/zones/evaluations/{zone_run.pk}/results", headers=headers)
    accounts = client.get("/api/zones/accounts", {"year": 2025}, headers=headers)
    runs = client.get("/api/zones/evaluations", headers=headers)
    if "zone_eval" not in reads:
        assert {ranking.status_code, results.status_code, accounts.status_code, runs.status_code} == {403}, role
        assert client.get(reverse("zones:index")).status_code == 403
        assert client.get(reverse("zones:zone_export", args=["SZ-XW1", 2025])).status_code == 403
        return
    assert workbook_codes(ranking, ZONES_WEB["ranking_export"][1]) == ZONES[park], (role, park)
    assert {r["zone_code"] for r in results.json()["items"]} == ZONES[park], (role, park)
    assert {r["zone_code"] for r in accounts.json()["items"]} == ZONES[park], (role, park)
    assert runs.status_code == 200 and runs.json()["count"] == 1
    index = client.get(reverse("zones:index"), {"year": 2025}).content.decode()
    assert {c for c in ZONES[None] if f'data-zone="{c}"' in index} == ZONES[park], (role, park)
    for code in sorted(ZONES[None]):
        inside = code in ZONES[park]
        download = client.get(reverse("zones:zone_export", args=[code, 2025]))
        assert download.status_code == (200 if inside else 404), (role, park, code)
        if inside:
            assert workbook_codes(download, ZONES_WEB["zone_export"][1]) == {code}
        assert client.get(reverse("zones:zone", args=[code, 2025])).status_code == (200 if inside else 404)
    compare = client.get(reverse("zones:compare"), {"year": 2025, "zone": sorted(ZONES[None])}).content.decode()
    assert {c for c in ZONES[None] if f'<th data-zone="{c}"' in compare} == ZONES[park], (role, park)


@pytest.fixture
def appeal_rows(world, actor):
    """issue 16 §5: the 2025 run published today; uscc(1) (SZ) appeals its tax figure (checked by 税务), uscc(2)
    (SZ-XW1) its result (checked by 经信), each with an evidence file."""
    from django.utils import timezone

    from parkgov.appeals.services import set_publicity

    set_publicity(run=world, starts_on=timezone.localdate(), actor=actor)
    filed = {}
    for park, field in ((None, "tax"), ("SZ-XW1", "result")):
        user = user_of("enterprise", park)
        filed[ENTERPRISE_OF[park]] = file_test_appeal(user=user, run=world, field=field)
    return filed


def file_test_appeal(*, user, run, field):
    from parkgov.appeals.services import file_appeal

    return file_appeal(scope=scope_for(user), actor=user, run=run, field=field, claimed_value="700",
                       reason="税务口径有误", uploads=[("证明.png", png_bytes())])


def expected_appeals(role, park) -> set:
    """The firms whose appeal the user reads: its own for an enterprise; a park's for the roles that accept
    appeals; a checking department only those it checks (uscc(1)'s tax: 税务; uscc(2)'s result: 经信)."""
    if role == "enterprise":
        return {ENTERPRISE_OF[park]}
    spec = role_table()["roles"][role]
    if "appeal" not in spec["read"]:
        return set()
    in_park = set(ENTERPRISE_OF.values()) if park is None else {uscc(2)}
    if role in ("admin", "committee", "economy"):
        return in_park
    checks = {uscc(1): "tax", uscc(2): "economy"}
    return {code for code in in_park if checks[code] == role}


@pytest.mark.parametrize("role,park", users())
def test_appeal_pages_api_and_evidence_give_exactly_the_users_appeals(client, appeal_rows, role, park):
    """issue 16 §5: the staff queue, the API list, one appeal (page and API) and its evidence: exactly the appeals
    of the user's scope, 404 for others, 403 without the appeal domain; the enterprise's own page and summary
    (/me/, /api/me) name only its firm and are refused to staff."""
    user = user_of(role, park)
    client.force_login(user)
    headers = {"Authorization": f"Bearer {issue_api_token(user=user)}"}
    reads = "appeal" in scope_for(user).read
    expected = expected_appeals(role, park)
    listed = client.get("/api/appeals", headers=headers)
    queue = client.get(reverse("appeals:queue"))
    if not reads:
        assert {listed.status_code, queue.status_code} == {403}, role
    else:
        assert {i["credit_code"] for i in listed.json()["items"]} == expected, (role, park)
        if role == "enterprise":
            assert queue.status_code == 302 and queue.url == reverse("me:overview")
        else:
            shown = {c for c in ENTERPRISE_OF.values() if f'data-credit-code="{c}"' in queue.content.decode()}
            assert shown == expected, (role, park)
    for code, appeal in appeal_rows.items():
        inside = code in expected
        status = (200 if inside else 404) if reads else 403
        assert client.get(f"/api/appeals/{appeal.pk}", headers=headers).status_code == status, (role, park, code)
        page = reverse("me:appeal" if role == "enterprise" else "appeals:detail", args=[appeal.pk])
        assert client.get(page).status_code == status, (role, park, code)
        download = client.get(reverse("appeals:evidence", args=[appeal.evidence.get().pk]))
        assert download.status_code == status, (role, park, code)
    me = client.get(reverse("me:overview"))
    summary = client.get("/api/me", headers=headers)
    if role != "enterprise":
        assert {me.status_code, summary.status_code} == {403}, role
        return
    own, other = ENTERPRISE_OF[park], ENTERPRISE_OF["SZ-XW1" if park is None else None]
    body = me.content.decode()
    assert me.status_code == 200 and f'data-credit-code="{own}"' in body and other not in body
    assert summary.json()["credit_code"] == own and summary.json()["result"]["class"]


@pytest.mark.parametrize("park", [None, "SZ-XW1"])
def test_enterprise_account_reads_no_other_firm_anywhere(client, world, park):
    """issue 16 §5: an enterprise account gets nothing of the staff side — exports, API lists, tiles, the map
    card, dossiers (its own firm's and another's), the cockpit (sent to /me/) — and only itself on /me/."""
    user = user_of("enterprise", park)
    client.force_login(user)
    parcel = Parcel.objects.get(code="SZ-0002")
    for url in [reverse("web:enterprises_export"), reverse("web:parcels_export"), reverse("web:findings_export"),
                reverse("web:evaluation_download", args=[world.pk]), reverse("web:tile", args=["parcels", 14, 1, 1]),
                reverse("web:parcel_feature", args=[parcel.pk]), reverse("web:map"), reverse("web:enterprises"),
                reverse("web:enterprise", args=[uscc(1)]), reverse("web:enterprise", args=[uscc(2)]),
                reverse("web:parcel", args=["SZ-0002"]), reverse("governance:cases_export"),
                reverse("zones:ranking_export"), reverse("supply:applications_export"), reverse("web:evaluation"),
                reverse("appeals:accounts")]:
        assert client.get(url).status_code == 403, url
    assert client.get(reverse("web:cockpit")).url == reverse("me:overview")
    headers = {"Authorization": f"Bearer {issue_api_token(user=user)}"}
    for url in ["/api/enterprises", f"/api/enterprises/{uscc(1)}", f"/api/enterprises/{uscc(2)}/figures",
                "/api/parcels", "/api/zones", f"/api/evaluations/{world.pk}/results", "/api/governance/cases"]:
        assert client.get(url, headers=headers).status_code == 403, url
    page = client.get(reverse("me:overview")).content.decode()
    own = ENTERPRISE_OF[park]
    assert {c for c in FIRMS[None] if c in page} == {own}
    assert {c for c in CASES[None] if f'data-case' in page and c in page} <= PARCELS[None]


@pytest.mark.parametrize("park", [None, "SZ-XW1"])
def test_enterprise_gets_only_its_own_dossier_pdf(client, world, park):
    """issue 16 §5: /me/dossier.pdf is the bound firm's 一企一档 (a parameter naming another firm changes nothing),
    cut to the enterprise role (no field group: no figure, no evaluation); the staff PDF URL and the dossier API
    refuse the enterprise for its own firm and for any other; staff get 403 on the enterprise's URL."""
    user = user_of("enterprise", park)
    client.force_login(user)
    own = ENTERPRISE_OF[park]
    other = next(code for code in sorted(FIRMS[None]) if code != own)
    for params in ({}, {"credit_code": other}, {"firm": other}):
        text = pdf_text(client.get(reverse("me:dossier"), params))
        assert FIRM_NAMES[own] in text and own in text, params
        assert {code for code, name in FIRM_NAMES.items() if name in text or code in text} == {own}, params
        assert "评价税收" not in text and "亩均效益评价" not in text
    headers = {"Authorization": f"Bearer {issue_api_token(user=user)}"}
    for code in sorted(FIRMS[None]):
        assert client.get(reverse("reports:enterprise_pdf", args=[code])).status_code == 403, code
        assert client.get(f"/api/enterprises/{code}", headers=headers).status_code == 403, code
    assert client.post(reverse("reports:zone_dossiers", args=["SZ"]), {"kind": "enterprise"}).status_code == 403
    page = client.get(reverse("me:overview")).content.decode()
    assert reverse("me:dossier") in page
    for role in ("admin", "economy"):
        client.force_login(user_of(role, None))
        assert client.get(reverse("me:dossier")).status_code == 403, role


@pytest.mark.parametrize("role,park", users())
def test_green_and_bottom_line_pages_workbook_and_api_give_exactly_the_users_zones(client, world, role, park):
    """issue 16 §2: the 底线 comparison, each zone's page, the workbook (every sheet) and the API hold the zones of
    the user's parks only (a zone outside them is 404); roles without zone_eval get 403 everywhere."""
    from parkgov.zones.models import ZoneGreenEntry

    ZoneGreenEntry.objects.create(zone=Zone.objects.get(code="SZ"), year=2025, waste_generated=10, waste_utilised=9,
                                  iso14001="no")
    ZoneGreenEntry.objects.create(zone=Zone.objects.get(code="SZ-XW1"), year=2025, iso14001="yes")
    user = user_of(role, park)
    client.force_login(user)
    headers = {"Authorization": f"Bearer {issue_api_token(user=user)}"}
    reads = scope_for(user).read
    download = client.get(reverse("zones:green_export"), {"year": 2025})
    api_rows = client.get("/api/zones/bottom-line", {"year": 2025}, headers=headers)
    page = client.get(reverse("zones:green"), {"year": 2025})
    if "zone_eval" not in reads:
        assert {download.status_code, api_rows.status_code, page.status_code} == {403}, role
        assert client.get(reverse("zones:green_zone", args=["SZ-XW1", 2025])).status_code == 403
        return
    assert workbook_codes(download, ZONES_WEB["green_export"][1]) == ZONES[park], (role, park)
    assert {r["zone_code"] for r in api_rows.json()} == ZONES[park], (role, park)
    html = page.content.decode()
    assert {c for c in ZONES[None] if f'<tr data-zone="{c}"' in html} == ZONES[park], (role, park)
    for code in sorted(ZONES[None]):
        expected = 200 if code in ZONES[park] else 404
        assert client.get(reverse("zones:green_zone", args=[code, 2025])).status_code == expected, (role, park, code)
    # the 园区绿色指标 entry form: writers of zone_eval only, their zones only
    for code in sorted(ZONES[None]):
        entry = client.get(reverse("zones:green_entry", args=[code, 2025]))
        assert entry.status_code == ((200 if code in ZONES[park] else 404) if "zone_eval" in scope_for(user).write
                                     else 403), (role, park, code)
    # the 确认 of a year freezes every zone: writers of zone_eval without a park limit only (403 without write)
    from parkgov.zones.models import BottomLineConfirmation

    confirm = client.post(reverse("zones:green_confirm", args=[2025]))
    writes = "zone_eval" in scope_for(user).write
    assert confirm.status_code == (302 if writes else 403), (role, park)
    assert BottomLineConfirmation.objects.exists() == (writes and park is None), (role, park)


@pytest.fixture
def key_projects(world):
    """issue 16 §3: a key project with a dispatch and a target in each of the world's two zones."""
    from parkgov.testing import make_dispatch, make_key_project
    from parkgov.zones.targets import set_target

    for zone_code, code in (("SZ", "XM-SZ"), ("SZ-XW1", "XM-XW1")):
        zone = Zone.objects.get(code=zone_code)
        make_dispatch(project=make_key_project(zone=zone, code=code, name=f"项目{code}"), month=1, invested=10.0)
        set_target(zone=zone, year=2025, kind="investment", target=100.0)


@pytest.mark.parametrize("role,park", users())
def test_targets_and_key_projects_give_exactly_the_users_zones(client, key_projects, role, park):
    """issue 16 §3: the targets and project pages, the month's template, the dispatch PDF and the API hold the
    projects and zones of the user's parks only (outside them 404); roles without zone_eval get 403 everywhere."""
    user = user_of(role, park)
    client.force_login(user)
    headers = {"Authorization": f"Bearer {issue_api_token(user=user)}"}
    reads = scope_for(user).read
    projects = client.get("/api/zones/projects", {"year": 2025}, headers=headers)
    targets = client.get("/api/zones/targets", {"year": 2025}, headers=headers)
    listing = client.get(reverse("zones:projects"), {"year": 2025})
    if "zone_eval" not in reads:
        assert {projects.status_code, targets.status_code, listing.status_code} == {403}, role
        assert client.get(reverse("zones:dispatch_template_download", args=["SZ-XW1", 2025, 1])).status_code == 403
        assert client.get(reverse("zone_dispatch_report", args=["SZ-XW1", 2025, 1])).status_code == 403
        return
    assert {p["code"] for p in projects.json()} == PROJECTS[park], (role, park)
    assert {t["zone_code"] for t in targets.json()} == ZONES[park], (role, park)
    page = listing.content.decode()
    assert {c for c in PROJECTS[None] if f'data-project="{c}"' in page} == PROJECTS[park], (role, park)
    table = client.get(reverse("zones:targets"), {"year": 2025}).content.decode()
    assert {c for c in ZONES[None] if f'data-zone="{c}"' in table} == ZONES[park], (role, park)
    for zone_code, code in (("SZ", "XM-SZ"), ("SZ-XW1", "XM-XW1")):
        inside = code in PROJECTS[park]
        template = client.get(reverse("zones:dispatch_template_download", args=[zone_code, 2025, 1]))
        assert template.status_code == (200 if inside else 404), (role, park, zone_code)
        if inside:
            assert workbook_codes(template, ZONES_WEB["dispatch_template_download"][1]) == {code}
        assert client.get(reverse("zones:project", args=[code])).status_code == (200 if inside else 404)
        assert client.get(f"/api/zones/projects/{code}/dispatch", headers=headers).status_code == \
            (200 if inside else 404)
        assert client.get(reverse("zones:zone_targets", args=[zone_code, 2025])).status_code == \
            (200 if inside else 404)
        # the targets entry form: writers of zone_eval only (403 for readers), their zones only (404 outside)
        edit = client.get(reverse("zones:zone_targets_edit", args=[zone_code, 2025]))
        assert edit.status_code == ((200 if inside else 404) if "zone_eval" in scope_for(user).write else 403), \
            (role, park, zone_code)
        pdf = client.get(reverse("zone_dispatch_report", args=[zone_code, 2025, 1]))
        assert pdf.status_code == (200 if inside else 404), (role, park, zone_code)
        if inside:
            assert pdf.content.startswith(b"%PDF")


def pdf_text(response) -> str:
    import subprocess

    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True).stdout.decode()
    return re.sub(r"\s*\n\s*", "", text)  # names wrapped in a table cell read as one


@pytest.mark.parametrize("role,park", users())
def test_dossier_pdfs_give_exactly_the_users_firms_and_parcels(client, world, role, park):
    """issue 16 §4: a dossier PDF of a firm or parcel outside the user's parks is 404 (not disclosed), 403 for a
    role without the domain; inside, the PDF is that firm's or parcel's, tax figures only for roles that see them."""
    user = user_of(role, park)
    client.force_login(user)
    scope = scope_for(user)
    firm = uscc(1) if park is None else uscc(2)  # one firm of the user's parks; uscc(1) lies outside SZ-XW1
    response = client.get(reverse("reports:enterprise_pdf", args=[firm]))
    if not scope.can_read("enterprise"):
        assert response.status_code == 403, role
    else:
        text = pdf_text(response)
        assert FIRM_NAMES[firm] in text and firm in text
        assert ("评价税收" in text) == (scope.can_read("yearly") and scope.sees("tax")), role
        assert {code for code, name in FIRM_NAMES.items() if f"{name} · 一企一档" in text} == {firm}
        if park is not None:
            assert client.get(reverse("reports:enterprise_pdf", args=[uscc(1)])).status_code == 404
    annual_outside = client.get(reverse("reports:annual_pdf", args=["SZ" if park else "NONE", 2025]))
    batch_outside = client.post(reverse("reports:zone_dossiers", args=["SZ" if park else "NONE"]))
    if not scope.can_read("zone"):
        assert {annual_outside.status_code, batch_outside.status_code} == {403}, role
    else:  # a zone outside the user's parks (or none at all) is not disclosed
        assert {annual_outside.status_code, batch_outside.status_code} == {404}, role
    plot = "SZ-0001" if park is None else "SZ-0002"
    if park is None and role != "admin" and scope.can_read("parcel"):
        return  # the unscoped roles' parcel PDFs are as the administrator's (kept out for the test-time budget)
    response = client.get(reverse("reports:parcel_pdf", args=[plot]))
    if not scope.can_read("parcel"):
        assert response.status_code == 403, role
    else:
        assert f"地块 {plot} · 一地一档" in pdf_text(response)
        if park is not None:
            assert client.get(reverse("reports:parcel_pdf", args=["SZ-0001"])).status_code == 404


@pytest.mark.parametrize("role,park", [("admin", None), ("economy", "SZ-XW1"), ("ecology", None),
                                       ("natural_resources", "SZ-XW1")])
def test_annual_report_and_batch_job_hold_exactly_the_users_firms(client, world, role, park,
                                                                 django_capture_on_commit_callbacks):
    """issue 16 §4: the annual report names only firms of the user's parks, and the batch job prints exactly their
    dossiers, served to its creator only."""
    user = user_of(role, park)
    client.force_login(user)
    scope = scope_for(user)
    zone = "SZ" if park is None else "SZ-XW1"
    text = pdf_text(client.get(reverse("reports:annual_pdf", args=[zone, 2025])))
    named = {code for code, name in FIRM_NAMES.items() if name in text}
    assert named == (FIRMS[park] if scope.can_read("evaluation") and scope.sees("evaluation_class") else set())
    assert ("亩均税收" in text) == scope.sees("tax"), role
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:zone_dossiers", args=[zone]), {"kind": "enterprise"})
    if not scope.can_read("enterprise"):
        assert response.status_code == 403
        return
    job = Job.objects.get(created_by=user, kind="report")
    assert job.status == "done", job.message
    download = client.get(reverse("web:job_download", args=[job.pk]))
    batch = subprocess_text(b"".join(download.streaming_content))
    assert {code for code, name in FIRM_NAMES.items() if f"{name} · 一企一档" in batch} == FIRMS[park]
    client.force_login(user_of("economy", None) if user.username != "economy" else user_of("admin", None))
    assert client.get(reverse("web:job_download", args=[job.pk])).status_code == 404


def subprocess_text(pdf: bytes) -> str:
    import subprocess

    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return re.sub(r"\s*\n\s*", "", text)


@pytest.mark.parametrize("role,park", users())
def test_map_search_and_reference_layers_give_exactly_the_users_parcels(client, world, role, park):
    """issue 17 §3: the map's search finds only the drawn parcels of the user's parks (and the firms holding
    them); roles without parcel read are refused it and the reference layers alike."""
    client.force_login(user_of(role, park))
    response = client.get(reverse("web:map_search"), {"q": "SZ-000"})
    layers = client.get(reverse("web:map_reference", kwargs={"code": "none"}))
    if "parcel" not in scope_for(user_of(role, park)).read:
        assert response.status_code == 403 and layers.status_code == 403, (role, park)
        return
    assert layers.status_code == 404
    assert {hit["code"] for hit in response.json()["hits"]} == PARCELS[park] - {"SZ-0003"}, (role, park)
    firms = client.get(reverse("web:map_search"), {"q": uscc(1)}).json()["hits"]
    assert {hit["code"] for hit in firms} == ({"SZ-0001"} if park is None else set()), (role, park)
