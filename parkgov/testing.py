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
