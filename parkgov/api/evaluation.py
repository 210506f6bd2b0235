"""Evaluation endpoints: runs (评价批次) and their results."""

from ninja import Path, Query, Router

from parkgov.api import queries
from parkgov.api.auth import scope_of
from parkgov.api.schemas import (
    EvaluationResultFilters, EvaluationResultPage, EvaluationRunFilters, EvaluationRunPage, PageParams, responses,
)

router = Router(tags=["亩均评价"])


@router.get("/evaluations", response=responses(200, EvaluationRunPage), summary="评价批次")
def list_runs(request, filters: Query[EvaluationRunFilters], page: Query[PageParams]):
    """评价批次，新的在前。"""
    return queries.evaluation_runs(scope=scope_of(request), year=filters.year, ruleset_id=filters.ruleset_id,
                                   limit=page.limit, offset=page.offset)


@router.get("/evaluations/{run_id}/results", response=responses(200, EvaluationResultPage), summary="评价结果")
def list_results(request, run_id: Path[int], filters: Query[EvaluationResultFilters], page: Query[PageParams]):
    """一个批次中您数据范围内企业的结果，按评价人群和排名；可按最终类别（class）和评价人群筛选。"""
    return queries.evaluation_results(scope=scope_of(request), run_id=run_id, result_class=filters.result_class,
                                      population=filters.population, limit=page.limit, offset=page.offset)
