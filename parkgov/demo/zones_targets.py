"""The demo's zone targets and key projects (issue 16 §3, longyan), built after the zone evaluation.

Every zone gets the year's targets of each kind in data/targets.yaml, in proportion to its industrial land (a
development zone of about 1,350 公顷 of A2 gets some 85 亿元 of fixed-asset investment), and twelve months of
actuals that land between 80 % and 105 % of them (December entered through the targets form's service, so each
zone's December cites a form submission). Twenty key projects (five categories, most in the development
zone) get the year's twelve monthly dispatch reports, dated the day they were sent: about one in eight is sent after
the due day (逾期报送), and each quarter has a review note. Deterministic by seed. The dispatch is dated in the past,
so it is written here, not through the upload (which dates a report by the day it is imported); the rows are
created in bulk with their history rows (about 1,300 rows: one by one they took 4 s of every demo build).
"""

import datetime as dt
import random

from django.db import transaction
from django.db.models import Sum

from parkgov.audit.context import acting_as
from parkgov.ledger.models import Parcel, Zone
from simple_history.utils import bulk_create_with_history

from parkgov.zones.models import DispatchReport, KeyProject, QuarterReview, ZoneActual, ZoneTarget
from parkgov.zones.target_rules import target_rules
from parkgov.zones.targets import enter_zone_year

YEAR = 2025
# per 公顷 of the zone's parcels: the year's target of each kind (万元, 亩, 万平方米)
PER_HECTARE = {"investment": 620.0, "output": 5200.0, "tax": 260.0, "revitalised": 0.35, "plant_area": 0.045,
               "bond_approved": 24.0, "bond_disbursed": 11.0}
PROJECT_SHARE_OF_INVESTMENT = 1.6  # a zone's investment target is at least 1.6 × its key projects' annual targets
MONTH_SHARE = (0.04, 0.04, 0.08, 0.08, 0.09, 0.09, 0.09, 0.09, 0.09, 0.10, 0.10, 0.11)  # slow start after 春节
PROJECTS = (  # (name, category, total investment 万元, this year's target 万元)
    ("高端厨具电器智能制造产业园", "industry", 186000, 52000), ("领带真丝数字化印染工厂", "industry", 48000, 16000),
    ("机械汽配精密铸造技改项目", "industry", 36000, 14000), ("新能源汽车电机零部件项目", "industry", 92000, 30000),
    ("集成灶整机及核心部件扩产项目", "industry", 64000, 21000), ("丝绸文创产业园二期", "industry", 28000, 9000),
    ("智能家电配套小微企业园", "industry", 42000, 15000), ("高分子新材料中试基地", "industry", 26000, 8500),
    ("南北环路网工程", "infrastructure", 110000, 36000), ("第二污水处理厂及配套管网二期", "infrastructure", 21643, 9000),
    ("110 千伏园区变电站", "infrastructure", 18000, 7000), ("标准厂房三期（20 万平方米）", "infrastructure", 60000, 24000),
    ("园区供水管网提升改造", "infrastructure", 9600, 4800), ("人才公寓及邻里中心", "public_service", 38000, 12000),
    ("园区职工子女学校", "public_service", 24000, 9000), ("企业综合服务中心", "public_service", 8000, 3500),
    ("科创中心及孵化器", "innovation", 32000, 11000), ("厨电检验检测公共服务平台", "innovation", 12000, 5000),
    ("化工园区环境整治提升", "environment", 15000, 6500), ("长乐江支流生态修复工程", "environment", 11000, 4500),
)
PROBLEMS = ("施工用电容量不足", "征迁尚有 3 户未签约", "设备进口清关延迟", "用地报批待省厅批复", "融资到位慢于计划")
HELP = ("请供电公司提前增容", "请属地街道加快征迁", "请商务部门协调海关", "请自然资源局跟进报批", "请金融办对接银行授信")


def build_zone_targets(*, data, seed: int, actor, say) -> dict:
    """Targets and monthly actuals of every zone for YEAR, the twenty key projects, their dispatch and reviews."""
    zones = list(Zone.objects.defer("geometry").order_by("code"))
    if not zones:
        return {}
    with transaction.atomic(), acting_as(actor, reason=f"演示园区 种子{seed}：目标与重点项目"):
        rng = random.Random(seed * 16 + 3)
        projects, late = _projects(zones=zones, rng=rng, actor=actor)
        targets = _targets(zones=zones, rng=rng, actor=actor)
    say(f"已生成目标与重点项目：{len(zones)} 个园区 {targets} 项 {YEAR} 年目标与逐月完成，{projects} 个重点项目、"
        f"{projects * 12} 份月度调度（逾期报送 {late} 份）与季度点评")
    return {"targets": targets, "projects": projects, "late": late}


def _hectares(zones) -> dict:
    area = dict(Parcel.objects.values("zone_id").annotate(a=Sum("registered_area_m2")).values_list("zone_id", "a"))
    return {z.pk: max((area.get(z.pk) or 0.0) / 10000, 20.0) for z in zones}


def _targets(*, zones, rng, actor) -> int:
    """Targets by land; a zone's fixed-asset investment target covers its key projects' with room for the rest."""
    hectares, targets, actuals, december = _hectares(zones), [], [], {}
    listed = dict(KeyProject.objects.filter(year=YEAR).values("zone_id").annotate(t=Sum("annual_target"))
                  .values_list("zone_id", "t"))
    for zone in zones:
        for kind in target_rules().kinds:
            target = round(PER_HECTARE[kind.code] * hectares[zone.pk], 2)
            if kind.code == "investment":
                target = max(target, round(PROJECT_SHARE_OF_INVESTMENT * (listed.get(zone.pk) or 0.0), 2))
            targets.append(ZoneTarget(zone=zone, year=YEAR, kind=kind.code, target=target, source="演示数据"))
            reach = rng.uniform(0.80, 1.05)
            for month, share in enumerate(MONTH_SHARE, start=1):
                value = round(target * share * reach * rng.uniform(0.85, 1.15), 2)
                if month == 12:
                    december.setdefault(zone, {})[(kind.code, month)] = value
                else:
                    actuals.append(ZoneActual(zone=zone, year=YEAR, month=month, kind=kind.code, value=value))
    _bulk(targets, ZoneTarget, actor)
    _bulk(actuals, ZoneActual, actor)
    for zone, values in december.items():  # December as the zones enter it on the targets form (the web path)
        enter_zone_year(zone=zone, year=YEAR, targets={}, actuals=values, actor=actor, department="economy")
    return len(targets)


def _bulk(rows, model, actor):
    bulk_create_with_history(rows, model, batch_size=1000, default_user=actor,
                             default_change_reason="演示：目标与重点项目")


def _projects(*, zones, rng, actor) -> tuple:
    main = next((z for z in zones if z.code == "SZ-KFQ"), zones[0])
    others = [z for z in zones if z.pk != main.pk] or [main]
    late, reports, reviews = 0, [], []
    for n, (name, category, total, target) in enumerate(PROJECTS, start=1):
        zone = main if n % 3 else others[(n // 3) % len(others)]
        start = dt.date(YEAR - (n % 2), 3 + n % 6, 1)
        project = KeyProject.objects.create(
            zone=zone, year=YEAR, code=f"ZDXM-{YEAR}-{n:02d}", name=name, category=category, total_investment=total,
            annual_target=target, builder=f"{zone.name}建设发展有限公司" if category != "industry" else f"{name[:4]}有限公司",
            planned_start=start, planned_completion=dt.date(YEAR + 1 + n % 2, 12, 31),
            plan=f"{YEAR} 年计划完成投资 {target:,} 万元：{'主体结构封顶' if n % 2 else '完成设备安装并试生产'}")
        late += _dispatch(project=project, rng=rng, actor=actor, reports=reports, reviews=reviews)
    _bulk(reports, DispatchReport, actor)
    _bulk(reviews, QuarterReview, actor)
    return len(PROJECTS), late


def _dispatch(*, project, rng, actor, reports, reviews) -> int:
    reach, progress, late = rng.uniform(0.82, 1.08), 0.0, 0
    due_day = target_rules().dispatch.due_day
    for month, share in enumerate(MONTH_SHARE, start=1):
        invested = round(project.annual_target * share * reach * rng.uniform(0.8, 1.2), 1)
        progress = min(100.0, progress + 100 * share * reach)
        next_month = dt.date(YEAR + month // 12, month % 12 + 1, 1)
        is_late = rng.random() < 0.125
        late += is_late
        sent = next_month.replace(day=rng.randint(due_day + 2, 20) if is_late else rng.randint(1, due_day))
        trouble = rng.random() < 0.2
        k = rng.randrange(len(PROBLEMS))
        reports.append(DispatchReport(
            project=project, year=YEAR, month=month, invested=invested, progress_pct=round(progress, 1),
            progress=f"{month} 月完成投资 {invested:,.1f} 万元，形象进度 {progress:.0f}%",
            problems=PROBLEMS[k] if trouble else "", help_requested=HELP[k] if trouble else "", reported_on=sent,
            reported_by=actor))
        if month % 3 == 0:
            reviews.append(QuarterReview(project=project, year=YEAR, quarter=month // 3, reviewer=actor,
                                         reviewed_on=next_month.replace(day=15),
                                         note="进度正常，继续按计划推进" if reach >= 0.95 else "投资进度滞后于计划，须加快"))
    return late
