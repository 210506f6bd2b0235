"""Plain factory functions for tests and benchmarks: workbooks, credit codes, ledger rows."""

import datetime as dt
from pathlib import Path

import xlsxwriter

from parkgov.codes.uscc import make_uscc


def uscc(n: int, division="330683") -> str:
    """The n-th valid credit code (deterministic)."""
    return make_uscc("9", "1", division, f"MA{n:06d}"[-8:].replace("I", "1"))


def write_workbook(path: Path, sheets: dict) -> Path:
    """Write `sheets` (name → list of rows; the first row is the header list) as cells, dates as Excel dates."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date_format)
                elif isinstance(value, (int, float)):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
    workbook.close()
    return path


ZONE_HEADER = ["园区编码", "园区名称", "上级园区编码", "类型", "行政区划代码", "级别"]
FIRM_HEADER = ["统一社会信用代码", "企业名称", "行业代码", "规模", "所属园区编码", "登记状态", "投产日期"]
PARCEL_HEADER = ["地块编码", "宗地代码", "所属园区编码", "土地面积（平方米）", "用地分类", "土地权属", "供地状态", "供地方式",
                 "供地日期", "出让年限（年）", "土地价款（万元）", "总建筑面积（平方米）", "建筑基底面积（平方米）",
                 "行政办公及生活设施用地面积（平方米）", "绿地面积（平方米）"]
LINK_HEADER = ["统一社会信用代码", "地块编码", "关系", "面积（平方米）", "建筑面积（平方米）", "起始日期", "终止日期"]
YEARLY_HEADER = ["统一社会信用代码", "年度", "评价税收（万元）", "营业收入（万元）", "工业总产值（万元）", "工业增加值（万元）",
                 "综合能耗（吨标准煤）", "用电量（万千瓦时）", "用水量（万吨）", "主要污染物排放量（吨）", "研发经费支出（万元）",
                 "年平均职工人数（人）", "固定资产投资（万元）"]
FINDING_HEADER = ["统一社会信用代码", "地块编码", "部门", "类别", "严重程度", "发现日期", "描述", "状态"]


def small_ledger_sheets() -> dict:
    """A small but complete workbook: 2 zones, 3 firms, 3 parcels, links, 2 years of figures, findings."""
    a, b, c = uscc(1), uscc(2), uscc(3)
    return {
        "园区": [list(ZONE_HEADER),
                 ["SZ", "嵊州经济开发区", None, "开发区", "330683", "省级"],
                 ["SZ-XW1", "三江小微企业园", "SZ", "小微企业园", "330683", None]],
        "企业": [list(FIRM_HEADER),
                 [a, "嵊州市甲厨具有限公司", "3854", "规上", "SZ", "存续", dt.date(2012, 5, 1)],
                 [b, "嵊州市乙领带有限公司", "1811", "规下", "SZ-XW1", "存续", dt.date(2016, 3, 1)],
                 [c, "嵊州市丙机械有限公司", "3670", "规下", "SZ", "存续", None]],
        "地块": [list(PARCEL_HEADER),
                 ["SZ-0001", "330683001002GB00012", "SZ", 20000, "100101", "国有", "已供已用", "出让",
                  dt.date(2011, 3, 15), 50, 1200, 26000, 9000, 800, 1500],
                 ["SZ-0002", None, "SZ-XW1", 6666.67, "100101", "国有", "已供已用", "出让", dt.date(2015, 7, 1), 50,
                  300, 8000, 3500, 300, 400],
                 ["SZ-0003", "330683001003JA00001", "SZ", 3000, "100102", "集体", "闲置", "集体建设用地使用",
                  dt.date(2008, 1, 1), None, None, 900, 700, None, None]],
        "用地关系": [list(LINK_HEADER),
                     [a, "SZ-0001", "土地使用权人", 20000, None, dt.date(2011, 3, 15), None],
                     [b, "SZ-0002", "土地使用权人", 6666.67, None, dt.date(2015, 7, 1), None],
                     [c, "SZ-0001", "承租", None, 3000, dt.date(2020, 1, 1), dt.date(2030, 12, 31)]],
        "年度数据": [list(YEARLY_HEADER),
                     [a, 2024, 620.5, 15800, 15200, 3300, 2100, 950, 6.2, 3.1, 540, 420, 800],
                     [a, 2025, 680, 16900, 16100, 3500, 2150, 990, 6.0, 2.9, 610, 430, 650],
                     [b, 2024, 18.2, 900, 880, 190, 120, 60, 0.8, 0.2, 10, 35, 20],
                     [c, 2025, 5.5, 400, 390, 70, 40, 25, 0.3, 0.1, None, 12, None]],
        "检查发现": [list(FINDING_HEADER),
                     [a, "SZ-0001", "生态环境", "环保", "一般", dt.date(2025, 5, 20), "危废暂存间标识不全", "整改中"],
                     [None, "SZ-0003", "综合执法", "违法建设", "较重", dt.date(2025, 6, 2), "未批先建彩钢棚", "待整改"]],
    }


def square_wkb(lon: float, lat: float, side_m: float) -> bytes:
    """A square parcel of about `side_m` metres with its south-west corner near (lon, lat), as WKB in EPSG:4490."""
    import shapely

    d_lat = side_m / 111_320
    return shapely.to_wkb(shapely.box(lon, lat, lon + side_m / (111_320 * 0.8695), lat + d_lat))  # cos(29.6°)


def evaluated_ledger_with_geometry(*, folder: Path, actor) -> None:
    """The small ledger, two parcels drawn (imported as a GeoJSON file), 2025 evaluated, one demo account per role."""
    import numpy as np
    import pyogrio
    import shapely

    from parkgov.accounts.services import ensure_demo_accounts
    from parkgov.evaluation.services import run_evaluation
    from parkgov.ingest.gis import import_geometry
    from parkgov.ingest.services import import_workbook

    import_workbook(path=write_workbook(folder / "ledger.xlsx", small_ledger_sheets()), actor=actor)
    squares = [shapely.box(120.80, 29.60, 120.802, 29.602), shapely.box(120.90, 29.70, 120.901, 29.701)]
    path = folder / "parcels.geojson"
    pyogrio.raw.write(str(path), geometry=np.asarray(shapely.to_wkb(squares), dtype=object),
                      field_data=[np.asarray(["SZ-0001", "SZ-0002"], dtype=object)], fields=["地块编码"],
                      crs="EPSG:4490", geometry_type="Polygon")
    import_geometry(path=path, actor=actor)
    run_evaluation(year=2025, ruleset_id="zj-huangyan-2022", actor=actor)
    ensure_demo_accounts()


def list_run(*, rule_id: str, year: int, keys, subject="enterprise", rule_name=None, category="", actor=None,
             fields=()):
    """A stored list run of `rule_id` for `year` listing `keys` (credit codes or parcel codes of the ledger), each
    entry with its firm or parcel, zone, `category` and a reason naming the rule (crafted data, no engine);
    `fields`: the ledger fields its reasons rest on (roles not seeing them get no reasons)."""
    from parkgov.governance.models import ListEntry, ListRun
    from parkgov.ledger.models import Enterprise, Parcel

    run = ListRun.objects.create(rule_id=rule_id, rule_version=1, rule_hash="0" * 64, rule_name=rule_name or rule_id,
                                 owner_department="economy", subject=subject, year=year, input_hash="1" * 64,
                                 actor=actor, entries_count=len(keys),
                                 summary={"categories": {category: len(keys)}, "source": "测试", "verified": False,
                                          "fields": list(fields)})
    model, field = (Parcel, "code") if subject == "parcel" else (Enterprise, "credit_code")
    found = {getattr(row, field): row for row in model.objects.filter(**{f"{field}__in": list(keys)})}
    ListEntry.objects.bulk_create([ListEntry(
        run=run, subject_key=key, zone_id=found[key].zone_id, category=category,
        enterprise=found[key] if subject == "enterprise" else None, parcel=found[key] if subject == "parcel" else None,
        reasons=[f"{rule_id}：{key} 符合条件"], values={"key": key}) for key in keys])
    return run


# --- governance: findings and evidence (issue 14) -----------------------------------------------------------

def png_bytes(extra: bytes = b"") -> bytes:
    """A valid 1×1 PNG image (optionally padded after its end, to reach a size)."""
    import base64

    return base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==") + extra


def pdf_bytes() -> bytes:
    """A minimal one-page PDF document."""
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


# label → (department, category, credit code number or None, parcel code or None); with the small ledger's two
# findings (SZ: "ecology-environment" on firm 1 / SZ-0001, "enforcement-illegal" on SZ-0003) one finding per
# department in SZ-XW1, and one recorded by 生态环境 under a category that is not its own (possible through import)
GOVERNANCE_FINDINGS = {
    "fire-fire": ("fire", "fire", 2, "SZ-0002"),
    "emergency-safety": ("emergency", "safety", None, "SZ-0002"),
    "market-unlicensed": ("market", "unlicensed", 2, None),
    "ecology-other": ("ecology", "other", 2, None),
    "ecology-safety": ("ecology", "safety", 3, None),
}


def governance_world(*, folder: Path, actor) -> dict:
    """The small ledger, one demo account per role plus `<role>-xw1` limited to the park SZ-XW1, and the findings
    of GOVERNANCE_FINDINGS; returns label → Finding (the workbook's two as "ecology-environment" and
    "enforcement-illegal")."""
    from django.contrib.auth import get_user_model

    from parkgov.accounts.models import Profile
    from parkgov.accounts.scopes import role_table
    from parkgov.accounts.services import ensure_demo_accounts
    from parkgov.ingest.services import import_workbook
    from parkgov.ledger.models import Enterprise, Finding, Parcel, Zone

    import_workbook(path=write_workbook(folder / "ledger.xlsx", small_ledger_sheets()), actor=actor)
    ensure_demo_accounts()
    park = Zone.objects.get(code="SZ-XW1")
    for role, spec in role_table()["roles"].items():
        if role != "admin":
            user = get_user_model().objects.create_user(f"{role}-xw1", is_staff=True)
            Profile.objects.create(user=user, role=role, department=spec.get("department", role)).zones.set([park])
    found = {"ecology-environment": Finding.objects.get(department="ecology"),
             "enforcement-illegal": Finding.objects.get(department="enforcement")}
    for label, (department, category, firm, parcel) in GOVERNANCE_FINDINGS.items():
        found[label] = Finding.objects.create(
            department=department, category=category, severity="minor", found_on=dt.date(2025, 7, 1),
            description=label, enterprise=Enterprise.objects.get(credit_code=uscc(firm)) if firm else None,
            parcel=Parcel.objects.get(code=parcel) if parcel else None)
    return found


# Governance rows made directly (issue 14 surfaces: the map, cockpit and dossiers read them; the services that
# write them live in governance/lists.py, cases.py and dispositions.py).

def make_list_run(*, rule_id="low_efficiency", year=2025, rule_name="亩均低效企业用地", subject="enterprise",
                  owner_department="economy", zone=None, version=1):
    """A stored list run without entries (add them with `make_list_entry`)."""
    from parkgov.governance.models import ListRun

    return ListRun.objects.create(rule_id=rule_id, rule_version=version, rule_hash=f"hash-{rule_id}-{version}",
                                  rule_name=rule_name, owner_department=owner_department, subject=subject,
                                  year=year, zone=zone, input_hash="input")


def make_list_entry(*, run, enterprise=None, parcel=None, category="", reasons=None, values=None):
    """One firm or parcel on `run`'s list (its zone from the firm or parcel); counts it on the run."""
    from parkgov.governance.models import ListEntry

    subject = enterprise or parcel
    entry = ListEntry.objects.create(
        run=run, subject_key=enterprise.credit_code if enterprise else parcel.code, enterprise=enterprise,
        parcel=parcel, zone_id=subject.zone_id, category=category,
        reasons=reasons if reasons is not None else [f"{run.rule_name}：测试理由"], values=values or {})
    run.entries_count += 1
    run.save(update_fields=["entries_count"])
    return entry


def make_case(*, number, enterprise=None, parcel=None, state="to_dispatch", deadline=None, departments=("economy",),
              lead_department=None, title="整改案件", freed_mu=None, closed_on=None, zone=None, list_entry=None,
              disposition=""):
    """A case in `state` (no events: the workflow service writes those); its zone from the parcel or firm."""
    from parkgov.governance.models import Case

    subject = parcel or enterprise
    return Case.objects.create(number=number, title=title, state=state, enterprise=enterprise, parcel=parcel,
                               zone=zone or subject.zone, deadline=deadline or dt.date(2026, 12, 31),
                               departments=list(departments), lead_department=lead_department or departments[0],
                               freed_mu=freed_mu, closed_on=closed_on, list_entry=list_entry,
                               disposition=disposition)


def make_disposition(*, parcel, year=2025, suggested="upgrade", reasons=("测试建议理由",), decided="",
                     decision_reasons="", decided_by=None):
    """A 四个一批 suggestion for `parcel` and `year`, decided when `decided` is given."""
    from django.utils import timezone

    from parkgov.governance.models import DispositionDecision

    return DispositionDecision.objects.create(
        parcel=parcel, zone=parcel.zone, year=year, criteria_id="test-criteria", criteria_version=1,
        suggested=suggested, suggestion_reasons=list(reasons), decided=decided, decision_reasons=decision_reasons,
        decided_by=decided_by, decided_at=timezone.now() if decided else None)


def make_target(*, zone, year=2025, target_mu=100.0, source="测试来源"):
    """A zone's yearly 盘活 target."""
    from parkgov.governance.models import RevitalisationTarget

    return RevitalisationTarget.objects.create(zone=zone, year=year, target_mu=target_mu, source=source)


def write_layer_file(path: Path, geoms, fields: dict | None = None, *, crs="EPSG:4490", geometry_type=None) -> Path:
    """A GIS file (GPKG, GeoJSON … by suffix) of Shapely geometries with attribute columns `fields` (name → list)."""
    import numpy as np
    import pyogrio
    import shapely

    fields = fields or {}
    kind = geometry_type or geoms[0].geom_type
    pyogrio.raw.write(str(path), geometry=np.asarray(shapely.to_wkb(list(geoms)), dtype=object),
                      field_data=[np.asarray(v, dtype=object) for v in fields.values()], fields=list(fields),
                      crs=crs, geometry_type=kind, promote_to_multi=False)
    return path



    return run


def open_test_case(*, departments=("ecology", "fire"), workflow="case", parcel_code="SZ-0001", credit_code=None,
                   deadline=None, state=None, title="甲厨具地块整治提升", targets=None):
    """A case opened by the demo 管委会 account (run `governance_world` first) on parcel `parcel_code`; with
    `state`, moved there directly (test set-up only: the services are what the tests exercise)."""
    from django.contrib.auth import get_user_model

    from parkgov.accounts.scopes import scope_for
    from parkgov.governance.cases import open_case
    from parkgov.governance.models import Case
    from parkgov.ledger.models import Enterprise, Parcel

    committee = get_user_model().objects.get(username="committee")
    case = open_case(actor=committee, scope=scope_for(committee), title=title, departments=list(departments),
                     lead_department=departments[0], deadline=deadline or dt.date(2026, 12, 31),
                     parcel=Parcel.objects.get(code=parcel_code) if parcel_code else None,
                     enterprise=Enterprise.objects.get(credit_code=credit_code) if credit_code else None,
                     workflow=workflow, targets=targets or {"free_mu": 12.5})
    if state:
        Case.objects.filter(pk=case.pk).update(state=state)
        case.refresh_from_db()
    return case


def cases_world() -> None:
    """A small ledger written directly (fast enough for the per-role case matrices): park SZ with its child park
    SZ-XW1, parcels SZ-0001 and SZ-0003 in SZ and SZ-0002 in SZ-XW1, firms 1 (SZ) and 2 (SZ-XW1); one demo
    account per role and `<role>-xw1` limited to SZ-XW1 (as `governance_world`)."""
    from django.contrib.auth import get_user_model

    from parkgov.accounts.models import Profile
    from parkgov.accounts.scopes import role_table
    from parkgov.accounts.services import ensure_demo_accounts
    from parkgov.ledger.models import Enterprise, Parcel, Zone

    zone = Zone.objects.create(code="SZ", name="嵊州经济开发区", kind="development_zone")
    park = Zone.objects.create(code="SZ-XW1", name="三江小微企业园", kind="small_firm_park", parent=zone)
    for code, where, ownership in (("SZ-0001", zone, "state"), ("SZ-0002", park, "state"),
                                   ("SZ-0003", zone, "collective")):
        Parcel.objects.create(code=code, zone=where, registered_area_m2=6666.67, ownership=ownership,
                              supply_status="in_use")
    Enterprise.objects.create(credit_code=uscc(1), name="嵊州市甲厨具有限公司", scale="above", zone=zone)
    Enterprise.objects.create(credit_code=uscc(2), name="嵊州市乙领带有限公司", scale="below", zone=park)
    ensure_demo_accounts()
    for role, spec in role_table()["roles"].items():
        if role != "admin":
            user = get_user_model().objects.create_user(f"{role}-xw1", is_staff=True)
            Profile.objects.create(user=user, role=role, department=spec.get("department", role)).zones.set([park])


# --- supply surfaces (issue 15): rows made directly; the services that write them are in supply/ ------------

def make_application_row(*, number, zone, state="draft", outcome="", project_name="新建智能厨电项目", enterprise=None,
                     investor_credit_code=None, land_mu=30.0, fixed_investment=9000.0, parcel=None, industry_code="3854"):
    """An admission application in `state` (with `outcome` once decided)."""
    from parkgov.supply.models import Application

    return Application.objects.create(
        number=number, zone=zone, state=state, outcome=outcome, project_name=project_name, enterprise=enterprise,
        investor_credit_code=investor_credit_code or (enterprise.credit_code if enterprise else uscc(90)),
        investor_name=enterprise.name if enterprise else "测试投资有限公司", industry_code=industry_code,
        land_mu=land_mu, fixed_investment=fixed_investment, threshold_profile="test", parcel=parcel)


def make_contract(*, number, parcel, enterprise=None, signed_on=dt.date(2022, 1, 10), agreed_start=None,
                  agreed_completion=None, agreed_production=None, actual_start=None, actual_completion=None,
                  actual_production=None, indicators=None, breach_rule="test-rule", application=None):
    """A 标准地 contract on `parcel` with its committed indicators (code → value)."""
    from parkgov.supply.models import Contract

    return Contract.objects.create(
        number=number, parcel=parcel, enterprise=enterprise, signed_on=signed_on, agreed_start=agreed_start,
        agreed_completion=agreed_completion, agreed_production=agreed_production, actual_start=actual_start,
        actual_completion=actual_completion, actual_production=actual_production, application=application,
        indicators=indicators if indicators is not None else {"investment_intensity": 300, "tax_per_mu": 20},
        breach_rule=breach_rule)


def make_review_run(*, as_of=dt.date(2025, 12, 31), year=2025, zone=None):
    """A stored review run without checks (add them with `make_commitment_check` / `make_idle_check`)."""
    from parkgov.supply.models import ReviewRun

    return ReviewRun.objects.create(as_of=as_of, year=year, zone=zone, rules_hash="r" * 64, input_hash="i" * 64)


def make_commitment_check(*, run, contract, status, damages=None, indicators=None, next_step="", rectify_by=None,
                          failures=0, reasons=None, formula=""):
    """The 达产复核 of `contract` in `run` (its parcel, firm and zone from the contract)."""
    from parkgov.supply.models import CommitmentCheck

    return CommitmentCheck.objects.create(
        run=run, contract=contract, parcel=contract.parcel, enterprise=contract.enterprise,
        zone_id=contract.parcel.zone_id, status=status, damages=damages, next_step=next_step, rectify_by=rectify_by,
        failures=failures, formula=formula, reasons=reasons if reasons is not None else [f"{status}：测试理由"],
        indicators=indicators if indicators is not None else [
            {"code": "tax_per_mu", "name": "亩均税收", "unit": "万元/亩", "committed": 20, "actual": 12.5,
             "met": status == "met", "shortfall_pct": 0 if status == "met" else 37.5}])


def make_idle_check(*, run, parcel, status, contract=None, idle_on=None, recover_on=None, days_to_next=None,
                    fee=None, government_caused=False, reasons=None, formula=""):
    """The idle-land status of `parcel` in `run`."""
    from parkgov.supply.models import IdleCheck

    return IdleCheck.objects.create(
        run=run, parcel=parcel, contract=contract, zone_id=parcel.zone_id, status=status, idle_on=idle_on,
        recover_on=recover_on, days_to_next=days_to_next, fee=fee, government_caused=government_caused,
        formula=formula, reasons=reasons if reasons is not None else [f"{status}：测试理由"])


def make_quota_account(*, zone, balance_mu=0.0):
    """A zone's land-quota account."""
    from parkgov.supply.models import QuotaAccount

    return QuotaAccount.objects.create(zone=zone, balance_mu=balance_mu, source="测试")


def make_quota_movement(*, account, kind, mu, moved_on=dt.date(2025, 6, 1), parcel=None, case=None,
                        transfer_state="", balance_after=None, note=""):
    """One movement on `account` (the balance is not changed: set it on the account)."""
    from parkgov.supply.models import QuotaMovement

    return QuotaMovement.objects.create(account=account, kind=kind, mu=mu, moved_on=moved_on, parcel=parcel,
                                        case=case, transfer_state=transfer_state, balance_after=balance_after,
                                        note=note)


def supply_world(*, today: dt.date) -> dict:
    """On `cases_world` (SZ-0001 and SZ-0003 in SZ, SZ-0002 in SZ-XW1; firm 1 in SZ, firm 2 in SZ-XW1): three
    contracts with agreed dates around `today`, an older and a newer review run (the newer one counts), five
    applications, quota accounts with a pending transfer, a renovation, an idle notice and exception.

    Reminders as of `today`: C-1 start in 10 days (≤ 30), C-2 completion in 60 days (≤ 90), C-3 start 5 days ago
    (overdue), C-1 production in 200 days (beyond 90), C-2 start met by its actual date (no reminder).
    Latest run: commitments C-1 met, C-2 not_met, C-3 recovery; idle SZ-0001 normal, SZ-0002 idle, SZ-0003 recover.
    """
    from parkgov.ledger.models import Enterprise, Parcel, Zone
    from parkgov.supply.models import IdleException, IdleNotice, QuotaTransfer, Renovation

    day = dt.timedelta(days=1)
    sz, park = Zone.objects.get(code="SZ"), Zone.objects.get(code="SZ-XW1")
    p1, p2, p3 = (Parcel.objects.get(code=f"SZ-000{n}") for n in (1, 2, 3))
    f1, f2 = Enterprise.objects.get(credit_code=uscc(1)), Enterprise.objects.get(credit_code=uscc(2))
    c1 = make_contract(number="C-1", parcel=p1, enterprise=f1, agreed_start=today + 10 * day,
                       agreed_production=today + 200 * day)
    c2 = make_contract(number="C-2", parcel=p2, enterprise=f2, agreed_start=today - 400 * day,
                       actual_start=today - 390 * day, agreed_completion=today + 60 * day)
    c3 = make_contract(number="C-3", parcel=p3, agreed_start=today - 5 * day)
    old = make_review_run(as_of=dt.date(2024, 12, 31), year=2024)
    make_commitment_check(run=old, contract=c2, status="met")
    make_idle_check(run=old, parcel=p2, status="normal", contract=c2)
    run = make_review_run(as_of=dt.date(2025, 12, 31), year=2025)
    checks = {"C-1": make_commitment_check(run=run, contract=c1, status="met"),
              "C-2": make_commitment_check(run=run, contract=c2, status="not_met", damages=18.75, failures=1,
                                           next_step="限期整改", rectify_by=dt.date(2026, 6, 30),
                                           formula="300 × 37.5% × 0.5% × 100 = 18.75"),
              "C-3": make_commitment_check(run=run, contract=c3, status="recovery", next_step="收回土地", failures=2)}
    idle = {"SZ-0001": make_idle_check(run=run, parcel=p1, status="normal", contract=c1),
            "SZ-0002": make_idle_check(run=run, parcel=p2, status="idle", contract=c2, idle_on=dt.date(2025, 3, 1),
                                       recover_on=dt.date(2026, 3, 1), days_to_next=60, fee=60.0,
                                       formula="300 × 20% = 60"),
            "SZ-0003": make_idle_check(run=run, parcel=p3, status="recover", contract=c3)}
    applications = [make_application_row(number="ZR-2025-0001", zone=sz, state="draft"),
                    make_application_row(number="ZR-2025-0002", zone=sz, state="reviewing"),
                    make_application_row(number="ZR-2025-0003", zone=sz, state="decided", outcome="rejected"),
                    make_application_row(number="ZR-2025-0004", zone=park, state="contracted", outcome="approved",
                                     enterprise=f2, parcel=p2),
                    make_application_row(number="ZR-2025-0005", zone=park, state="decided", outcome="conditional",
                                     enterprise=f2)]
    sz_account, park_account = make_quota_account(zone=sz, balance_mu=42.5), make_quota_account(zone=park, balance_mu=8)
    make_quota_movement(account=sz_account, kind="credit", mu=50, parcel=p3, balance_after=50)
    make_quota_movement(account=sz_account, kind="debit", mu=7.5, parcel=p1, balance_after=42.5)
    make_quota_movement(account=park_account, kind="transfer_in", mu=3, parcel=p2, transfer_state="approved")
    QuotaTransfer.objects.create(from_account=sz_account, to_account=park_account, mu=2, reason="测试调剂",
                                 requested_on=dt.date(2025, 7, 1))  # pending: nothing moved yet
    Renovation.objects.create(parcel=p2, completed_on=dt.date(2025, 5, 1), storeys_added=2, plot_ratio_before=1.2,
                              plot_ratio_after=1.8, floor_area_added_m2=4000)
    IdleNotice.objects.create(parcel=p2, contract=c2, kind="investigation", document_number="嵊闲调〔2025〕1号",
                              issued_on=dt.date(2025, 4, 1), served_on=dt.date(2025, 4, 3),
                              answer_due=dt.date(2025, 5, 3))
    IdleException.objects.create(parcel=p3, contract=c3, cause="plan_changed", reason="规划调整", article="第八条",
                                 starts_on=dt.date(2025, 1, 1))
    return {"contracts": {"C-1": c1, "C-2": c2, "C-3": c3}, "run": run, "old_run": old, "checks": checks,
            "idle": idle, "applications": applications}

# Supply, admission (issue 15 §1)

APPLICATION_FIELDS = {"investor_name": "绍兴市测试智能装备有限公司", "project_name": "年产 10 万台智能厨电项目",
                      "industry_code": "3854", "land_mu": 10, "fixed_investment": 2800, "expected_output": 30000,
                      "expected_tax": 150, "expected_value_added": 6000, "energy_tce": 1200, "emissions_t": 3,
                      "employees": 120, "plot_ratio": 1.2, "building_coefficient": 40, "admin_share": 6,
                      "green_ratio": 10, "rd_share": 3.5}


def application_fields(**overrides) -> dict:
    """The fields of a valid application (investor uscc(900), 10 亩, 280 万元/亩, 15 万元/亩 tax), overridden."""
    fields = {"investor_credit_code": uscc(900), **APPLICATION_FIELDS}
    fields.update(overrides)
    return fields


def make_application(*, user="investment", zone_code="SZ", state=None, **overrides):
    """An application filed by the demo account `user` in zone `zone_code` (run `cases_world` first); with
    `state` ("submitted" or "reviewing"), moved there through the services."""
    from django.contrib.auth import get_user_model

    from parkgov.accounts.scopes import scope_for
    from parkgov.ledger.models import Zone
    from parkgov.supply import admission

    actor = get_user_model().objects.get(username=user)
    scope = scope_for(actor)
    app = admission.create_application(actor=actor, scope=scope, zone=Zone.objects.get(code=zone_code),
                                       **application_fields(**overrides))
    if state in ("submitted", "reviewing"):
        admission.transition(application=app, action="submit", actor=actor, scope=scope)
    if state == "reviewing":
        committee = get_user_model().objects.get(username="committee")
        admission.transition(application=app, action="start_review", actor=committee, scope=scope_for(committee))
    return app


def give_all_opinions(application, *, decision="approve", comment="同意"):
    """Every review department's demo account gives `decision` in the current round."""
    from django.contrib.auth import get_user_model

    from parkgov.accounts.scopes import scope_for
    from parkgov.supply import admission
    from parkgov.supply.admission_rules import review_rules

    for department in review_rules().departments:
        user = get_user_model().objects.get(username=department)
        admission.give_opinion(application=application, actor=user, scope=scope_for(user), decision=decision,
                               comment=comment)

CONTRACT_HEADER = ["地块编码", "合同编号", "统一社会信用代码", "签订日期", "约定动工日期", "约定竣工日期", "约定达产日期",
                   "实际动工日期", "实际竣工日期", "投资强度(万元/亩)", "容积率", "建筑系数(%)", "亩均税收(万元/亩)",
                   "单位能耗增加值(万元/吨标准煤)", "研发经费占比(%)", "违约规则"]


def contract_row(parcel="SZ-0001", number="BZD-2021-0001", credit_code=None, **changes) -> list:
    """One 标准地承诺 row (header CONTRACT_HEADER): due by 2025-12-31, 亩均税收 committed 25 万元/亩."""
    row = dict(zip(CONTRACT_HEADER, [parcel, number, credit_code or uscc(1), dt.date(2021, 3, 1),
                                     dt.date(2021, 9, 1), dt.date(2023, 3, 1), dt.date(2025, 3, 1),
                                     dt.date(2021, 8, 20), dt.date(2023, 1, 10), None, None, None, 25, None, None,
                                     "shortfall-1pct"]))
    row.update(changes)
    return [row[h] for h in CONTRACT_HEADER]


def contracts_world(*, folder: Path, actor, on=dt.date(2025, 12, 31)):
    """Two 标准地 contracts on the small ledger — SZ-0001 (park SZ, firm 1, 亩均税收 22.67 against 25: not met) and
    SZ-0002 (park SZ-XW1, firm 2) — imported through the 标准地承诺 sheet, and a review run as of `on`."""
    from parkgov.ingest.services import import_workbook
    from parkgov.supply.review import run_review

    sheet = [CONTRACT_HEADER, contract_row(),
             contract_row("SZ-0002", "BZD-2021-0002", uscc(2), **{"亩均税收(万元/亩)": 1})]
    import_workbook(path=write_workbook(folder / "contracts.xlsx", {"标准地承诺": sheet}), actor=actor)
    return run_review(on=on, year=2025, actor=actor)

# --- supply: idle land (issue 15 §3) -------------------------------------------------------------------------

def make_idle_contract(*, parcel_code: str, number: str, agreed_start=None, actual_start=None,
                       signed_on=dt.date(2020, 1, 1), **fields):
    """A land contract on a ledger parcel with the dates the idle-land clock reads (crafted: until the contracts
    branch's 标准地承诺 import is merged, idle tests create their contracts here)."""
    from parkgov.ledger.models import Parcel
    from parkgov.supply.models import Contract

    return Contract.objects.create(parcel=Parcel.objects.get(code=parcel_code), number=number, signed_on=signed_on,
                                   agreed_start=agreed_start, actual_start=actual_start, **fields)


def idle_world(*, folder: Path, actor) -> dict:
    """The small ledger with a contract on each parcel as of 2025-12-31: SZ-0001 idle (agreed start 13 months
    before), SZ-0002 (park SZ-XW1) about to become idle (11 months), SZ-0003 to be recovered (26 months)."""
    from parkgov.ingest.services import import_workbook

    import_workbook(path=write_workbook(folder / "ledger.xlsx", small_ledger_sheets()), actor=actor)
    return {
        "SZ-0001": make_idle_contract(parcel_code="SZ-0001", number="HT-IDLE-1", agreed_start=dt.date(2024, 11, 30)),
        "SZ-0002": make_idle_contract(parcel_code="SZ-0002", number="HT-IDLE-2", agreed_start=dt.date(2025, 1, 31)),
        "SZ-0003": make_idle_contract(parcel_code="SZ-0003", number="HT-IDLE-3", agreed_start=dt.date(2023, 10, 31)),
    }

# --- supply: land control, 零增地 and quota (issue 15, landuse) -----------------------------------------------

def make_renovation(*, parcel, before=0.8, after=1.2, storeys=1, completed_on=None, note=""):
    """A 零增地 renovation of `parcel` whose floor area added matches the plot-ratio change exactly."""
    from parkgov.supply.models import Renovation

    return Renovation.objects.create(parcel=parcel, completed_on=completed_on or dt.date(2025, 3, 1),
                                     storeys_added=storeys, plot_ratio_before=before, plot_ratio_after=after,
                                     floor_area_added_m2=(after - before) * parcel.registered_area_m2, note=note)


def make_quota_credit(*, zone, mu, parcel=None, case=None, moved_on=None):
    """A credit on `zone`'s quota account written directly (the services are what the quota tests exercise)."""
    from parkgov.supply.models import QuotaAccount, QuotaMovement

    account, _created = QuotaAccount.objects.get_or_create(zone=zone)
    account.balance_mu += mu
    account.save()
    return QuotaMovement.objects.create(account=account, kind="credit", mu=mu, balance_after=account.balance_mu,
                                        moved_on=moved_on or dt.date(2025, 6, 30), parcel=parcel, case=case)


def land_sheet_rows(rows) -> list:
    """The 园区土地 sheet as write_workbook rows: the header with units, then `rows` (dicts of field → value over
    园区编码 zone and 年度 year), blank where a row states nothing (issue 16 §1)."""
    from parkgov.ingest.schema import header_of
    from parkgov.zones.land_sheet import land_sheet

    columns = land_sheet().columns
    return [[header_of(c) for c in columns]] + [[row.get(c.field) for c in columns] for row in rows]


def zone_world(*, folder: Path, actor, entered=None) -> None:
    """The small ledger with a 园区土地 row for SZ 2025 (`entered`, default: the total area and the non-industrial
    land), imported through the workbook; then the 2025 zone evaluation (issue 16 §1)."""
    from parkgov.ingest.services import import_workbook
    from parkgov.zones.services import run_zone_evaluation

    sheets = small_ledger_sheets()
    row = entered if entered is not None else {"zone": "SZ", "year": 2025, "total_area": 10.0, "a1": 1.0,
                                               "a31": 0.5, "d1": 0.5, "floor_area": 5.0, "footprint_area": 1.8}
    sheets["园区土地"] = land_sheet_rows([row])
    import_workbook(path=write_workbook(folder / "zones.xlsx", sheets), actor=actor)
    run_zone_evaluation(year=2025, actor=actor)


# --- issue 16 §2: green indicators and 底线 -------------------------------------------------------------------

def green_sheet_rows(rows) -> list:
    """The 园区绿色指标 sheet as write_workbook rows: the header with units, then `rows` (dicts of field → value over
    园区编码 zone and 年度 year; iso14001 as 是/否), blank where a row states nothing."""
    from parkgov.ingest.schema import header_of
    from parkgov.zones.green_sheet import green_sheet

    columns = green_sheet().columns
    return [[header_of(c) for c in columns]] + [[row.get(c.field) for c in columns] for row in rows]


# SZ's only 规上 firm (甲厨具) reports 2024 VA 3300 / energy 2100 / water 6.2 and 2025 3500 / 2150 / 6.0; the 2015
# baseline is entered: energy 1500 ÷ VA 2000 = 0.75 tce/万元, water 4 万吨 × 10000 ÷ 2000 = 20 t/万元.
GREEN_ROWS = [
    {"zone": "SZ", "year": 2015, "value_added": 2000, "energy_tce": 1500, "water_10k_t": 4.0},
    {"zone": "SZ", "year": 2024, "waste_generated": 10, "waste_utilised": 9.8, "iso14001": "否"},
    {"zone": "SZ", "year": 2025, "waste_generated": 10, "waste_utilised": 9.0, "iso14001": "是"},
    {"zone": "SZ-XW1", "year": 2025, "iso14001": "否"},
]


def green_world(*, folder: Path, actor, rows=None) -> None:
    """The small ledger with the 园区绿色指标 rows (`rows`, default GREEN_ROWS) imported through the workbook
    (issue 16 §2). In 2025 SZ fails water (−14.3 % > −15 %) and solid waste (90 %); in 2024 water (−6.1 %) and
    ISO 14001: two years running with two failed → 问责."""
    from parkgov.ingest.services import import_workbook

    sheets = small_ledger_sheets()
    sheets["园区绿色指标"] = green_sheet_rows(GREEN_ROWS if rows is None else rows)
    import_workbook(path=write_workbook(folder / "green.xlsx", sheets), actor=actor)


def make_key_project(*, zone, code, year=2025, category="industry", annual_target=1000.0, name="测试重点项目"):
    """A key project (issue 16 §3) of `zone` on the list of `year`."""
    from parkgov.zones.models import KeyProject

    return KeyProject.objects.create(zone=zone, code=code, year=year, category=category, annual_target=annual_target,
                                     name=name, plan="年内主体结顶")


def make_dispatch(*, project, month, invested, reported_on=None, progress_pct=None, help_requested=""):
    """A monthly dispatch report of `project`, sent on `reported_on` (default: the 1st of the next month)."""
    from parkgov.zones.projects import submit_report

    on = reported_on or dt.date(project.year + month // 12, month % 12 + 1, 1)
    return submit_report(project=project, year=project.year, month=month, invested=invested, reported_on=on,
                         progress_pct=progress_pct, help_requested=help_requested)


def appeals_world(*, folder: Path, actor, starts_on=dt.date(2026, 3, 2)):
    """issue 16 §5: the small ledger evaluated for 2025 (one account per staff role), the run published from
    `starts_on` for 5 working days, and an enterprise account bound to uscc(1) (username "firm1") and uscc(2)
    ("firm2"). Returns the run."""
    from parkgov.appeals.accounts import create_enterprise_account
    from parkgov.appeals.services import set_publicity
    from parkgov.evaluation.models import EvaluationRun

    evaluated_ledger_with_geometry(folder=folder, actor=actor)
    run = EvaluationRun.objects.get()
    set_publicity(run=run, starts_on=starts_on, actor=actor)
    create_enterprise_account(credit_code=uscc(1), username="firm1", password="firm1-pass")
    create_enterprise_account(credit_code=uscc(2), username="firm2", password="firm2-pass")
    return run


def staff_roles() -> list:
    """The roles of roles.yaml except the enterprise accounts' (`enterprise_bound`), sorted: the staff matrices;
    the enterprise accounts are checked in tests/test_scope.py (issue 16 §5)."""
    from parkgov.accounts.scopes import role_table

    return sorted(r for r, spec in role_table()["roles"].items() if not spec.get("enterprise_bound"))


def make_appeal(*, run, credit_code=None, field="tax", username="firm-appeal"):
    """issue 16 §5: `run` published from today, an enterprise account for the firm and its appeal on `field`."""
    from django.utils import timezone

    from parkgov.accounts.scopes import scope_for
    from parkgov.appeals.accounts import create_enterprise_account
    from parkgov.appeals.services import file_appeal, set_publicity

    set_publicity(run=run, starts_on=timezone.localdate())
    user, _password = create_enterprise_account(credit_code=credit_code or uscc(1), username=username)
    return file_appeal(scope=scope_for(user), actor=user, run=run, field=field, claimed_value="1", reason="测试申诉")
