"""Governance list endpoints: list runs (清单批次), a run's entries, the yearly diff, and generating lists.

Entries, counts and the diff come from `governance.lists.scoped_entries`, as on the list pages: a park-scoped
caller sees only the entries of its parks.
"""

import datetime as dt
from typing import Any

from django.db.models import F, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext
from ninja import Field, Path, Query, Router, Schema, Status

from parkgov.api import queries
from parkgov.api.auth import scope_of
from parkgov.api.schemas import Code, JobPublic, PageParams, Text, responses
from parkgov.evaluation.inputs import zone_scope
from parkgov.governance import lists
from parkgov.governance.models import ListRun
from parkgov.jobs.services import start_job

router = Router(tags=["治理清单"])
RUN_FIELDS = ["id", "rule_id", "rule_version", "rule_hash", "rule_name", "owner_department", "subject", "year",
              "evaluation_run_id", "input_hash", "created_at", "summary"]
ENTRY_FIELDS = ["subject_key", "category", "reasons", "values"]


class ListRunFilters(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    rule_id: Code | None = None


class ListRunPublic(Schema):
    id: int
    rule_id: str
    rule_version: int
    rule_hash: str
    rule_name: str
    owner_department: str = Field(description="责任部门编码（codes/data/departments.csv）")
    subject: str = Field(description="enterprise 企业 / parcel 地块")
    year: int
    evaluation_run_id: int | None = Field(description="依据的评价批次")
    zone_code: str | None = Field(description="园区范围（空 = 全部）")
    input_hash: str = Field(description="输入数据指纹（相同输入重算相同）")
    created_at: dt.datetime
    summary: dict[str, Any] = Field(description="各细类条目数、规则来源、是否已核实")
    entries: int = Field(description="您数据范围内的条目数")


class ListRunPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ListRunPublic]


class ListEntryFilters(Schema):
    zone: Code | None = Field(None, description="所属园区编码（含下属园区）")
    category: Text | None = Field(None, description="细类")
    q: Text | None = Field(None, description="对象编码开头或企业名称包含")


class ListEntryPublic(Schema):
    subject_key: str = Field(description="对象编码：统一社会信用代码或地块编码")
    credit_code: str | None
    enterprise_name: str | None
    parcel_code: str | None
    zone_code: str | None
    category: str = Field(description="细类")
    reasons: list[str] = Field(description="列入理由")
    values: dict[str, Any] = Field(description="触发的数值")


class ListEntryPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ListEntryPublic]


class DiffEntry(Schema):
    subject_key: str
    enterprise_name: str | None
    parcel_code: str | None
    category: str


class ListDiffPublic(Schema):
    run_id: int | None
    previous_run_id: int | None
    year: int
    previous_year: int
    new: list[DiffEntry] = Field(description="新列入")
    still: list[DiffEntry] = Field(description="继续在列")
    left: list[DiffEntry] = Field(description="已移出（上年在列、今年不在）")


class ListDiffFilters(Schema):
    previous_year: int | None = Field(None, ge=2000, le=2100, description="比较的年度（默认上一年）")


class GenerateListsIn(Schema):
    year: int = Field(ge=2000, le=2100)
    rules: list[Code] = Field(default_factory=list, description="清单规则编号（空 = 全部内置规则）")
    evaluation_run: int | None = Field(None, description="依据的评价批次（默认该年度最新批次）")
    zone: Code | None = Field(None, description="园区编码（限定园区的账号必须填其园区）")


@router.get("/governance/lists", response=responses(200, ListRunPage), summary="清单批次", url_name="list_list_runs")
def list_list_runs(request, filters: Query[ListRunFilters], page: Query[PageParams]):
    """生成过的清单批次，新的在前；entries 为您数据范围内的条目数。"""
    scope = scope_of(request)
    scope.require("list")
    runs = ListRun.objects.order_by("-year", "-created_at", "-id")
    if filters.year:
        runs = runs.filter(year=filters.year)
    if filters.rule_id:
        runs = runs.filter(rule_id=filters.rule_id)
    result = queries.page_of(runs.values(*RUN_FIELDS, zone_code=F("zone__code")), limit=page.limit,
                             offset=page.offset)
    counts = lists.scoped_counts(scope=scope, runs=[row["id"] for row in result["items"]])
    for row in result["items"]:
        row["entries"] = counts.get(row["id"], 0)
    return result


@router.get("/governance/lists/{run_id}/entries", response=responses(200, ListEntryPage), summary="清单条目",
            url_name="list_list_entries")
def list_list_entries(request, run_id: Path[int], filters: Query[ListEntryFilters], page: Query[PageParams]):
    """一个清单批次中您数据范围内的条目（按对象编码），含列入理由与触发数值。"""
    scope = scope_of(request)
    run = get_object_or_404(ListRun, pk=run_id)
    entries = lists.scoped_entries(scope=scope, run=run)
    if filters.zone:
        entries = entries.filter(zone_id__in=zone_scope(filters.zone))
    if filters.category:
        entries = entries.filter(category=filters.category)
    if filters.q:
        entries = entries.filter(Q(subject_key__startswith=filters.q.upper()) | Q(enterprise__name__icontains=filters.q))
    rows = entries.order_by("subject_key").values(
        *ENTRY_FIELDS, credit_code=F("enterprise__credit_code"), enterprise_name=F("enterprise__name"),
        parcel_code=F("parcel__code"), zone_code=F("zone__code"))
    result = queries.page_of(rows, limit=page.limit, offset=page.offset)
    withheld = lists.withheld_note(scope=scope, run=run)
    if withheld:  # the role may not see the figures behind the reasons
        result["items"] = [{**row, "reasons": [withheld], "values": {}} for row in result["items"]]
    return result


@router.get("/governance/lists/{run_id}/diff", response=responses(200, ListDiffPublic), summary="与上年比较",
            url_name="get_list_diff")
def get_list_diff(request, run_id: Path[int], filters: Query[ListDiffFilters]):
    """此批次与同一规则上一年度（或 previous_year）最新批次相比：新列入、继续在列、已移出（您数据范围内）。"""
    scope = scope_of(request)
    scope.require("list")
    run = get_object_or_404(ListRun, pk=run_id)
    previous_year = filters.previous_year or run.year - 1
    diff = lists.compare_runs(run=run, previous=lists.latest_run(rule_id=run.rule_id, year=previous_year),
                              scope=scope)
    parts = {part: [{"subject_key": e["subject_key"], "enterprise_name": e["enterprise__name"],
                     "parcel_code": e["parcel__code"], "category": e["category"]} for e in diff[part]]
             for part in ("new", "still", "left")}
    return {"run_id": run.pk, "previous_run_id": diff["previous_run"].pk if diff["previous_run"] else None,
            "year": run.year, "previous_year": previous_year, **parts}


@router.post("/governance/lists", response=responses(202, JobPublic), summary="生成清单（后台任务）",
             url_name="generate_lists")
def generate_lists(request, response: HttpResponse, body: GenerateListsIn):
    """按所选规则、年度和评价批次生成清单（需清单修改权限）；返回 202 和任务，到 /api/jobs/{id} 查看进度。
    亩均低效清单需要该年度的评价批次，没有时直接返回 422 和中文说明。"""
    scope = scope_of(request)
    scope.require("list", write=True)
    lists.check_generation(year=body.year, rule_ids=body.rules or None, evaluation_run=body.evaluation_run)
    lists.check_zone_for(scope=scope, zone_code=body.zone)
    job = start_job(kind="lists", title=gettext("生成 %(year)s 年清单") % {"year": body.year}, user=request.auth,
                    params={"year": body.year, "rules": body.rules, "evaluation_run": body.evaluation_run,
                            "zone": body.zone})
    response["Location"] = reverse("api:get_job", kwargs={"job_id": job.pk})
    return Status(202, queries.job(user=request.auth, job_id=job.pk))
