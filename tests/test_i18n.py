"""English through Django's catalogue, Chinese by default (issue 4, ADR 0002): a complete catalogue whose
compiled .mo matches the .po, pages in either language, the header's switch, the API's error shape (both DBs)."""

import ast
import csv
import datetime as dt
import gettext
import json
import re
from html import unescape
from pathlib import Path

import polars as pl
import pytest
import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from parkgov.accounts.services import ensure_demo_accounts
from parkgov.evaluation.services import run_evaluation
from parkgov.ingest.services import import_workbook
from parkgov.jobs.models import Job, JobStatus
from parkgov.ledger.models import Parcel
from parkgov.ledger.services import attach_geometry
from parkgov.testing import small_ledger_sheets, square_wkb, uscc, write_workbook
from parkgov.web import data_labels

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def default_language_afterwards():
    """A request in English leaves English active in this thread (as Django's LocaleMiddleware does)."""
    yield
    translation.deactivate()

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[-#0 +]*\d*(?:\.\d+)?[srdf]|\{[a-z_]+\}")
PACKAGE = Path(__file__).resolve().parent.parent / "parkgov"


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (list of forms), flags, obsolete."""
    entries, entry, field = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry = None
            continue
        if entry is None:
            entry = {"msgctxt": None, "msgid": "", "msgid_plural": None, "msgstr": {}, "flags": set(),
                     "obsolete": False}
        if line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if isinstance(field, int):
                entry["msgstr"][field] += text
            else:
                entry[field] += text
        else:
            keyword, literal = line.split(" ", 1)
            form = re.fullmatch(r"msgstr(?:\[(\d)\])?", keyword)
            field = int(form.group(1) or 0) if form else keyword
            if form:
                entry["msgstr"][field] = ast.literal_eval(literal)
            else:
                entry[field] = ast.literal_eval(literal)
    return [dict(e, msgstr=[e["msgstr"][i] for i in sorted(e["msgstr"])]) for e in entries]


@pytest.fixture(scope="module")
def po_entries():
    return [e for e in read_po(CATALOGUE / "django.po") if e["msgid"]]


def test_every_catalogue_entry_is_translated_and_not_fuzzy(po_entries):
    assert len(po_entries) > 400
    for entry in po_entries:
        assert not entry["obsolete"] and "fuzzy" not in entry["flags"], entry["msgid"]
        assert entry["msgstr"] and all(text.strip() for text in entry["msgstr"]), entry["msgid"]
        assert len(entry["msgstr"]) == (2 if entry["msgid_plural"] else 1), entry["msgid"]


def test_translations_keep_the_placeholders_and_drop_the_chinese(po_entries):
    for entry in po_entries:
        wanted = set(PLACEHOLDER.findall(entry["msgid"]))
        for n, text in enumerate(entry["msgstr"]):
            found = set(PLACEHOLDER.findall(text))
            # the singular of a plural entry may spell out the count ("the latest change")
            assert found == wanted or (entry["msgid_plural"] and n == 0 and found < wanted), (entry["msgid"], text)
            assert not CHINESE.search(text), (entry["msgid"], text)


def test_compiled_catalogue_matches_the_po_file(po_entries):
    """A .mo compiled from an older .po (an entry added, changed or removed since) fails here."""
    with (CATALOGUE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    expected = {}
    for entry in po_entries:
        key = entry["msgid"] if entry["msgctxt"] is None else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if entry["msgid_plural"]:
            expected.update({(key, n): text for n, text in enumerate(entry["msgstr"])})
        else:
            expected[key] = entry["msgstr"][0]
    catalogue = {k: v for k, v in compiled._catalog.items() if k != ""}  # "" is the header
    assert catalogue == expected


def _data_labels() -> set:
    """Chinese labels shown from data files: cockpit.yaml figures, roles.yaml roles, departments.csv, the GB/T 37346
    feature codes."""
    cockpit = yaml.safe_load((PACKAGE / "web" / "data" / "cockpit.yaml").read_text(encoding="utf-8"))
    labels = {spec.get(key) for spec in cockpit["figures"].values()
              for key in ("name", "unit", "alert_text", "quality_text")}
    roles = yaml.safe_load((PACKAGE / "accounts" / "data" / "roles.yaml").read_text(encoding="utf-8"))
    labels |= {spec["name"] for spec in roles["roles"].values()}
    for table in ("departments", "parcel_feature_codes", "attachment_feature_codes"):
        with (PACKAGE / "codes" / "data" / f"{table}.csv").open(encoding="utf-8") as handle:
            labels |= {row["name"] for row in csv.DictReader(handle)}
    transitions = yaml.safe_load((PACKAGE / "governance" / "data" / "finding_transitions.yaml").read_text(encoding="utf-8"))
    labels |= {t["name"] for t in transitions["transitions"]}  # issue 14: the finding actions' buttons
    topology = yaml.safe_load((PACKAGE / "spatial" / "data" / "topology.yaml").read_text(encoding="utf-8"))
    labels |= {kind["name"] for kind in topology["kinds"].values()}  # issue 17: the topology problems' kinds
    return {label for label in labels if label and CHINESE.search(label)}


def test_every_data_file_label_is_listed_for_the_catalogue(po_entries):
    listed = set(data_labels.COCKPIT + data_labels.ROLES + data_labels.DEPARTMENTS + data_labels.FEATURE_CODES
                 + data_labels.FINDING_ACTIONS + data_labels.TOPOLOGY)
    assert _data_labels() - listed == set()
    assert listed - {e["msgid"] for e in po_entries if e["msgctxt"] is None} == set()


# --- pages -------------------------------------------------------------------------------------------------

@pytest.fixture
def ledger(tmp_path, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARKGOV_MEDIA_ROOT = tmp_path / "media"
    import_workbook(path=write_workbook(tmp_path / "ledger.xlsx", small_ledger_sheets()), actor=actor,
                    department="economy")
    attach_geometry(model=Parcel, frame=pl.DataFrame({"code": ["SZ-0001", "SZ-0002"],
                                                      "wkb": [square_wkb(120.83, 29.58, 160), square_wkb(120.84, 29.58, 80)]}))
    run_evaluation(year=2025, ruleset_id="zj-huangyan-2022", actor=actor)
    ensure_demo_accounts()


@pytest.fixture
def admin(client, ledger):
    client.force_login(get_user_model().objects.get(username="admin"),
                       backend="parkgov.accounts.backends.ProfileBackend")
    return client


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def html_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def headings(html, level) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", h)).strip()
            for h in re.findall(rf"<h{level}[^>]*>(.*?)</h{level}>", html, re.S)]


def assert_no_chinese(texts, *, allowed=()):
    for text in texts:
        for data in allowed:  # names from the ledger or a rule set are data and stay as entered
            text = text.replace(data, "")
        assert not CHINESE.search(text), text


def test_cockpit_in_english_and_by_default_in_chinese(admin):
    html = html_of(english(admin), "/")
    assert '<html lang="en">' in html
    assert headings(html, 1) == ["Park cockpit · 2025"]
    for text in ("Per-mu performance trend", "Tax per mu, industry above designated size", "Industrial land",
                 "10k yuan/mu", "Park ranking", "Supply status (mu)",
                 "Approved but not supplied", ">Enterprises</a>", ">One map</a>", "Administrator", "Log out"):
        assert text in html, text
    ruleset = re.search(r"Evaluation classes \((.*?)\)", html).group(1)
    assert_no_chinese(headings(html, 2), allowed=[ruleset])
    labels = json.loads(re.search(r'id="cockpit-labels"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert labels == {"tax_per_mu": "Tax per mu", "va_per_mu": "Value added per mu", "yuan_per_mu": "10k yuan/mu",
                      "firms": "firms", "mu": "mu", "open": "Open", "overdue": "of which overdue", "closed": "Closed",
                      "cases": "cases", "freed": "Revitalised", "target": "Yearly target"}  # the last six: issue 14

    admin.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    html = html_of(admin, "/")
    assert '<html lang="zh-hans">' in html
    assert headings(html, 1) == ["园区大脑 · 2025 年"] and "亩均效益趋势" in html and "规上工业亩均税收" in html


def test_browser_language_does_not_override_the_chinese_default(admin):
    html = admin.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert headings(html, 1) == ["园区大脑 · 2025 年"]


def test_enterprise_dossier_in_english(admin):
    html = html_of(english(admin), f"/enterprises/{uscc(1)}/")
    assert headings(html, 1) == ["嵊州市甲厨具有限公司"]  # the firm's name is data
    assert headings(html, 2) == ["Land", "Yearly figures", "Per-mu evaluation", "Differentiated policies",
                                 "Findings", "Governance lists", "Four batches", "Case",
                                 "Standard-land contracts and full-production review", "Idle-land clock",
                                 "Admission application", "Change history"]  # issue 14's three, issue 15's three
    for text in ("Enterprise dossier", "Unified social credit code", "Above designated size", "30.00 mu",
                 "Land-use right holder", "Supplied and in use", "Tax for evaluation (10k yuan)", "Environmental protection",
                 "Ecology and environment", "Rectifying", "2025 evaluation: class"):
        assert text in html, text
    html = html_of(english(admin), f"/enterprises/{uscc(1)}/")
    assert "统一社会信用代码" not in html and "一企一档" not in html


def test_parcel_dossier_in_english_and_chinese(admin):
    html = html_of(english(admin), "/parcels/SZ-0001/")
    assert headings(html, 1) == ["Parcel SZ-0001"]
    assert_no_chinese(headings(html, 2))
    for text in ("Parcel dossier", "Cadastral parcel code", "County-level administrative division code",
                 "Parcel sequence number", "Registered land area", "Transfer (sale of use rights)", "50 years",
                 "Tenant", "present"):
        assert text in html, text
    admin.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    html = html_of(admin, "/parcels/SZ-0001/")
    assert headings(html, 1) == ["地块 SZ-0001"] and "县级行政区划代码" in html and "出让年限" in html


def test_map_page_in_english(admin):
    html = html_of(english(admin), "/map/")
    assert headings(html, 1) == ["One map"]
    assert_no_chinese(headings(html, 2))
    assert 'data-mu="mu"' in html and 'data-zone-format="{name} ({code})"' in html
    config = json.loads(re.search(r'id="map-config"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert config["legends"]["supply"]["title"] == "Supply status"
    assert [i["label"] for i in config["legends"]["class"]["items"]][1] == "Class B"
    assert "Idle" in [i["label"] for i in config["legends"]["supply"]["items"]]


def test_login_page_in_english_and_chinese(client, db):
    html = html_of(english(client), "/login/")
    assert headings(html, 1) == ["Log in to parkgov"] and "User name" in html and "Password" in html
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    html = html_of(client, "/login/")
    assert headings(html, 1) == ["园区管家 登录"] and "用户名" in html
    assert 'action="/i18n/setlang/"' in html and ">简体中文</button>" in html and ">English</button>" in html


def test_the_header_switch_changes_the_language(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert headings(html_of(client, "/login/"), 1) == ["Log in to parkgov"]
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    assert headings(html_of(client, "/login/"), 1) == ["园区管家 登录"]
    client.post("/i18n/setlang/", {"language": "fr", "next": "https://elsewhere.example/"})
    assert headings(html_of(client, "/login/"), 1) == ["园区管家 登录"]


def test_error_page_and_messages_in_english(admin):
    response = english(admin).get("/parcels/NO-SUCH/")
    assert response.status_code == 404 and headings(response.content.decode(), 1) == ["Page not found"]
    response = admin.get("/?q=\x01")
    assert response.status_code == 400 and "forbidden control characters" in response.content.decode()


def test_an_import_from_an_english_page_still_reads_the_chinese_workbook(admin, tmp_path, settings,
                                                                       django_capture_on_commit_callbacks):
    """Workbook headers and choice labels are the Chinese exchange format whatever the page language."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    path = write_workbook(tmp_path / "台账.xlsx", small_ledger_sheets())
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
        response = english(admin).post("/import/", {"file": handle})
    job = Job.objects.get(kind="import")
    assert response.status_code == 302 and job.title == "Import 台账.xlsx"
    assert job.status == JobStatus.DONE, (job.message, job.result)
    html = html_of(admin, f"/jobs/{job.pk}/")
    assert "Done" in html and "Unchanged" in html


# --- API ---------------------------------------------------------------------------------------------------

def error_of(response, status, code):
    assert response.status_code == status, response.content.decode()[:300]
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and "Traceback" not in response.content.decode()
    return body["error"]


def test_api_errors_keep_their_shape_in_both_languages(admin):
    assert error_of(admin.get("/api/parcels/NOPE"), 404, "not_found")["message"] == "地块 NOPE 不存在或不在您的数据范围内"
    english(admin)
    assert error_of(admin.get("/api/parcels/NOPE"), 404, "not_found")["message"] == \
        "Parcel NOPE does not exist or is outside your data scope"
    error = error_of(admin.get("/api/parcels", {"limit": 0}), 422, "invalid")
    assert error["message"] == "Invalid request parameters: query.limit must be at least 1"
    assert error["details"] == [{"field": "query.limit", "message": "must be at least 1", "type": "greater_than_equal"}]
    assert "does not exist" in error_of(admin.get("/api/no-such-endpoint"), 404, "not_found")["message"]


def test_api_tokens_get_chinese_messages(client, ledger):
    assert "请在请求头中提供" in error_of(client.get("/api/zones"), 401, "not_authenticated")["message"]


GETTEXT_CALLS = {"_": 0, "gettext": 0, "gettext_lazy": 0, "gettext_noop": 0, "pgettext": 1, "pgettext_lazy": 1,
                 "ngettext": 0, "ngettext_lazy": 0}
TEMPLATE_TRANSLATE = re.compile(r'{%\s*(?:translate|trans)\s+"([^"]+)"(?:\s+context\s+"([^"]+)")?')
TEMPLATE_BLOCK = re.compile(r"{%\s*blocktranslate\b([^%]*)%}(.*?){%\s*(?:plural|endblocktranslate)\s*%}", re.S)


def _marked_in_python(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            position = GETTEXT_CALLS.get(name)
            if position is not None and len(node.args) > position and isinstance(node.args[position], ast.Constant) \
                    and isinstance(node.args[position].value, str):
                context = node.args[0].value if position == 1 and isinstance(node.args[0], ast.Constant) else None
                yield context, node.args[position].value


def _marked_in_template(path: Path):
    text = path.read_text(encoding="utf-8")
    for msgid, context in TEMPLATE_TRANSLATE.findall(text):
        yield context or None, msgid
    for options, body in TEMPLATE_BLOCK.findall(text):
        msgid = re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", body)
        if "trimmed" in options:
            msgid = " ".join(line.strip() for line in msgid.strip().splitlines() if line.strip())
        context = re.search(r'context\s+"([^"]+)"', options)
        yield (context.group(1) if context else None), msgid


def test_every_marked_string_in_the_code_is_in_the_catalogue(po_entries):
    """A string marked for translation after the last `make messages` would stay Chinese in the English UI:
    every gettext call with a literal and every template translate tag must have its catalogue entry."""
    known = {(e["msgctxt"], e["msgid"]) for e in po_entries if not e["obsolete"]}
    missing = set()
    for path in PACKAGE.rglob("*.py"):
        if "migrations" not in path.parts:
            missing |= {(str(path.relative_to(PACKAGE)), c, m) for c, m in _marked_in_python(path) if (c, m) not in known}
    for path in PACKAGE.rglob("*.html"):
        missing |= {(str(path.relative_to(PACKAGE)), c, m) for c, m in _marked_in_template(path)
                    if (c, m) not in known}
    assert not missing, "run `make messages` and translate: " + repr(sorted(missing)[:20])


def test_lists_in_english_and_their_exports_in_chinese(admin):
    """List pages follow the page language (department names too); exports are workbooks passed between
    departments and keep Chinese headers and labels, as the large exports written by the job worker do."""
    html = html_of(english(admin), "/findings/")
    assert "Ecology and environment" in html and ">Department</a>" in html and "生态环境" not in html
    response = english(admin).get("/findings/export.xlsx")
    assert response.status_code == 200
    frame = pl.read_excel(b"".join(response.streaming_content), engine="calamine")
    assert frame.columns[:3] == ["发现日期", "部门", "类别"] and "生态环境" in frame["部门"].to_list()


# --- every page, every text (issue 13: "translate every string or fall back consistently") ----------------

def _data_strings() -> list[str]:
    """Text that is data and stays as entered or as published (docs/user-guide/网页使用.md, 界面语言): every text
    value stored in the database, the labels of the large national code tables (GB/T 4754 industries, 用地用海分类,
    GB/T 2260 divisions: shown with their code), the published methods' own terms (title, populations,
    indicators, units, tiers, policies) and the explanations the engine computed with them."""
    from django.apps import apps
    from django.db import models as django_models

    from parkgov.codes.tables import code_table
    from parkgov.evaluation.models import EvaluationResult
    from parkgov.evaluation.ruleset import builtin_rulesets

    strings = set()
    for model in apps.get_models():
        if model._meta.app_label not in {"ledger", "evaluation", "jobs", "auth", "accounts", "governance", "supply"}:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, (django_models.CharField, django_models.TextField)) and not field.choices:
                strings |= set(model._default_manager.values_list(field.attname, flat=True).distinct())
    for table in ("gbt4754_2017", "land_use_2023", "admin_divisions"):
        strings |= {entry.name for entry in code_table(table).entries.values()}
    for ruleset in builtin_rulesets().values():  # the method's own terms, as published
        strings |= set(_json_strings(ruleset.model_dump(mode="json")))
    from parkgov.evaluation.explain import texts_for

    results = list(EvaluationResult.objects.select_related("run"))
    for texts in texts_for(results):  # explanations as computed (rendered from the stored numbers)
        strings |= {text for text in texts.values() if text}
    from parkgov.governance.listrules import builtin_rules
    from parkgov.governance.models import ListEntry, ListRun

    for rule in builtin_rules().values():  # list rules' names, sub-lists and sources, as published (issue 14)
        strings |= set(_json_strings(rule.model_dump(mode="json")))
    for reasons in ListEntry.objects.values_list("reasons", flat=True):  # reasons as the engine wrote them
        strings |= set(_json_strings(reasons or []))
    for summary in ListRun.objects.values_list("summary", flat=True):
        strings |= set(_json_strings(summary or {}))
    from parkgov.supply.contract_rules import breach_rules, indicator_set
    from parkgov.supply.models import CommitmentCheck, IdleCheck

    strings |= set(_json_strings(indicator_set().model_dump(mode="json")))  # issue 15: 标准地 terms, as published
    for rule in breach_rules().values():
        strings |= set(_json_strings(rule.model_dump(mode="json")))
    for indicators, reasons in CommitmentCheck.objects.values_list("indicators", "reasons"):  # as the engine wrote
        strings |= set(_json_strings(indicators or [])) | set(_json_strings(reasons or []))
    for reasons in IdleCheck.objects.values_list("reasons", flat=True):
        strings |= set(_json_strings(reasons or []))
    from parkgov.governance.case_exchange import update_sheet_terms

    strings |= set(update_sheet_terms().values())  # the 案件进展 sheet's name, columns and values (exchange format)
    from parkgov.supply.models import Application

    for checks in Application.objects.values_list("checks", flat=True):  # issue 15: reasons and sources as computed
        strings |= {c[k] for c in checks for k in ("reason", "source", "threshold", "value") if isinstance(c[k], str)}
    for reasons in Application.objects.values_list("outcome_reasons", flat=True):
        strings |= {r["text"] for r in reasons}

    from django.utils import timezone

    from parkgov.supply.idle import idle_status
    from parkgov.supply.idle_rules import idle_rules

    strings |= set(_json_strings(idle_rules().model_dump(mode="json")))  # order No. 53 as recalled (issue 15)
    for row in idle_status(on=timezone.localdate()).iter_rows(named=True):  # idle reasons as the engine writes them
        strings |= set(row["reasons"]) | {row["formula"]}
    return sorted((s for s in strings if isinstance(s, str) and CHINESE.search(s)), key=len, reverse=True)


def _page_texts(html: str) -> list[str]:
    """Text nodes, the attributes a user reads, and the JSON the pages' scripts show (labels, legends)."""
    from html.parser import HTMLParser

    found = []

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__()
            self.in_script = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag in ("script", "style"):
                self.in_script = tag if attrs.get("type") == "application/json" else "skip"
            found.extend(v for k, v in attrs.items() if k in ("title", "placeholder", "aria-label", "alt") and v)
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                found.append(attrs["value"])
            found.extend(v for k, v in attrs.items() if k.startswith("data-") and v and CHINESE.search(v))

        def handle_endtag(self, tag):
            if tag in ("script", "style"):
                self.in_script = None

        def handle_data(self, data):
            if self.in_script == "skip":
                return
            if self.in_script == "script":
                found.extend(_json_strings(json.loads(data)))
            elif data.strip():
                found.append(data.strip())

    Reader().feed(html)
    return found


def _json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def test_every_page_in_english_shows_chinese_only_for_data(admin, tmp_path, actor):
    from parkgov.ledger.models import Enterprise, Finding
    from parkgov.supply.models import Contract

    from parkgov.governance.lists import generate_lists

    firm, finding = Enterprise.objects.order_by("credit_code").first(), Finding.objects.first()
    listed = [run for run in generate_lists(year=2025, actor=None) if run.entries_count]
    pages = ["/", "/enterprises/", "/parcels/", "/findings/", f"/enterprises/{firm.credit_code}/", "/parcels/SZ-0001/",
             "/map/", "/evaluation/", "/import/", "/audit/", "/login/", "/admin/", "/admin/ledger/parcel/",
             "/admin/ledger/enterprise/", f"/admin/ledger/finding/{finding.pk}/change/", "/no-such-page/",
             "/governance/", *[f"/governance/lists/{run.pk}/" for run in listed],
             "/governance/layers/", "/governance/dispositions/",
             "/governance/findings/new/", f"/governance/findings/{finding.pk}/",
             f"/governance/findings/{finding.pk}/edit/"]  # issue 14
    from parkgov.testing import open_test_case

    case = open_test_case(workflow="chemical_restoration", state="rectifying", deadline=dt.date(2020, 1, 1))
    pages += ["/governance/cases/", f"/governance/cases/{case.number}/"]  # issue 14: the board and a template case
    pages += ["/supply/idle/", "/supply/idle/SZ-0001/", "/supply/idle/SZ-0001/notices/new/",
              "/supply/idle/SZ-0001/exceptions/new/"]  # issue 15 §3: idle land
    pages += ["/supply/control/?all=1", "/supply/renovations/", "/supply/renovations/new/", "/supply/quota/",
              "/supply/quota/SZ/", "/supply/quota/SZ/debit/", "/supply/quota/transfer/"]  # issue 15: landuse
    from parkgov.testing import give_all_opinions, make_application

    application = make_application(state="reviewing", zone_code="SZ")  # issue 15 §1: 准入联审 pages
    give_all_opinions(application)
    pages += ["/supply/applications/", f"/supply/applications/{application.number}/",
              f"/supply/applications/{application.number}/record/"]
    from parkgov.testing import contracts_world

    contracts_world(folder=tmp_path, actor=actor)  # issue 15 §2: 标准地 contracts and a review
    contract = Contract.objects.get(number="BZD-2021-0001")
    pages += ["/supply/contracts/", f"/supply/contracts/{contract.pk}/", f"/supply/contracts/{contract.pk}/edit/"]
    pages += ["/appeals/", "/appeals/accounts/"]  # issue 16 §5 (an appeal's page: tests/test_appeals.py)
    assert listed
    data = _data_strings()
    english(admin)
    left = {}
    for url in pages:
        response = admin.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        for text in _page_texts(response.content.decode()):
            for value in data:
                text = text.replace(value, "")
            text = text.replace("简体中文", "").replace("\u3000", "")  # the switch names each language in itself
            if CHINESE.search(text):
                left.setdefault(url, []).append(text[:80])
    assert not left, "\n".join(f"{url}: {sorted(set(texts))}" for url, texts in left.items())
