"""Evaluation runs from the ledger on both databases: land attribution, storage, reruns, adjustment, export."""

import datetime as dt

import fastexcel
import pytest

from parkgov.errors import InputError
from parkgov.evaluation.engine import evaluate
from parkgov.evaluation.explain import indicator_texts, texts_for
from parkgov.evaluation.export import export_evaluation
from parkgov.evaluation.models import EvaluationResult
from parkgov.evaluation.inputs import firm_inputs
from parkgov.evaluation.ruleset import get_ruleset
from parkgov.evaluation.services import adjust_class, class_history_frame, class_movements, run_evaluation
from parkgov.ingest.services import import_workbook
from parkgov.testing import YEARLY_HEADER, small_ledger_sheets, uscc, write_workbook

pytestmark = pytest.mark.django_db
RULESET = "zj-huangyan-2022"


@pytest.fixture
def ledger(tmp_path, actor):
    import_workbook(path=write_workbook(tmp_path / "ledger.xlsx", small_ledger_sheets()), actor=actor)


def _result(run, code):
    return EvaluationResult.objects.get(run=run, enterprise__credit_code=code)


def test_land_attribution_and_scores_from_the_ledger(ledger, actor):
    run = run_evaluation(year=2025, ruleset_id=RULESET, actor=actor)
    host, tenant, absent = _result(run, uscc(1)), _result(run, uscc(3)), _result(run, uscc(2))
    # the tenant rents 3,000 m² of floor on SZ-0001 (plot ratio 26,000/20,000 = 1.3): 3000/1.3 m² of land
    tenant_mu = 3000 / 1.3 * 15 / 10000
    assert tenant.land_mu == pytest.approx(tenant_mu)
    assert host.land_mu == pytest.approx(30 - tenant_mu)
    assert host.population == "above" and tenant.population == "below"
    tax = host.indicators["tax_per_mu"]
    assert tax["value"] == pytest.approx(680 / (30 - tenant_mu))
    assert tax["score"] == pytest.approx(680 / (30 - tenant_mu) / 24.097 * 30)
    assert "text" not in tax and tax["numerator"] == 680 and tax["denominator"] == pytest.approx(30 - tenant_mu)
    assert "亩均税收 = 评价税收 680" in indicator_texts(host)["tax_per_mu"]
    assert absent.class_final == "T" and "无本年度数据" in absent.not_rated_reason
    assert host.class_final in "ABCD" and host.rank == 1


@pytest.mark.parametrize("ruleset_id", ["zj-huangyan-2022", "ah-jingde-2022", "js-huaian-2024", "zj-wenling-2022", "zj-linhai-2014"])
def test_texts_rendered_from_stored_numbers_read_as_the_engine_builds_them(actor, ruleset_id):
    """A run stores numbers, not texts; the text shown is rendered from them and reads exactly as the engine's."""
    from parkgov.audit.context import system_user
    from parkgov.demo.services import build_demo

    build_demo(enterprises=60, seed=7, actor=system_user("test"))
    ruleset = get_ruleset(ruleset_id)
    run = run_evaluation(year=2025, ruleset_id=ruleset_id, actor=actor)
    engine = evaluate(firm_inputs(year=2025, zone_ids=None, land_rule=ruleset.land), ruleset, year=2025,
                      previous=firm_inputs(year=2024, zone_ids=None, land_rule=ruleset.land), explain=True,
                      history=class_history_frame(ruleset_id=ruleset.id, before=2025)).results
    expected = {row["credit_code"]: row for row in engine.to_dicts()}
    results = list(EvaluationResult.objects.filter(run=run).select_related("run", "enterprise"))
    compared = 0
    for result, texts in zip(results, texts_for(results), strict=True):
        row = expected[result.enterprise.credit_code]
        for key, data in result.indicators.items():
            assert "text" not in data
            if row.get(f"{key}__explain") is not None:
                assert texts[key] == row[f"{key}__explain"], (result.enterprise.credit_code, key)
                compared += 1
    assert compared >= len(results)  # every rated firm has at least one indicator explained


def test_rerun_on_same_inputs_is_identical_and_changed_inputs_show(ledger, actor, tmp_path):
    first = run_evaluation(year=2025, ruleset_id=RULESET, actor=actor)
    second = run_evaluation(year=2025, ruleset_id=RULESET, actor=actor)
    assert (first.input_hash, first.ruleset_hash) == (second.input_hash, second.ruleset_hash)
    fields = ["enterprise_id", "total", "rank", "class_original", "indicators", "land_mu"]
    assert list(first.results.order_by("enterprise_id").values_list(*fields)) == \
        list(second.results.order_by("enterprise_id").values_list(*fields))
    sheets = {"年度数据": [YEARLY_HEADER[:3], [uscc(1), 2025, 700]]}
    import_workbook(path=write_workbook(tmp_path / "tax.xlsx", sheets), actor=actor)
    third = run_evaluation(year=2025, ruleset_id=RULESET, actor=actor)
    assert third.input_hash != first.input_hash


def test_class_adjustment_keeps_the_original_and_is_audited(ledger, actor):
    run = run_evaluation(year=2025, ruleset_id=RULESET, actor=actor)
    result = _result(run, uscc(1))
    original = result.class_original
    with pytest.raises(InputError, match="必须填写理由"):
        adjust_class(result=result, new_class="D", reason=" ", actor=actor)
    with pytest.raises(InputError, match="类别 E 无效"):
        adjust_class(result=result, new_class="E", reason="x", actor=actor)
    adjust_class(result=result, new_class="D", reason="联审会议决定", actor=actor)
    result.refresh_from_db()
    assert (result.class_original, result.class_final) == (original, "D")
    record = result.history.latest("history_id")
    assert record.history_user == actor and "联审会议决定" in record.history_change_reason
    history = class_history_frame(ruleset_id=RULESET)
    assert history.filter(history["credit_code"] == uscc(1)).item(0, "klass") == "D"


def test_consecutive_years_and_movements_across_years(ledger, actor):
    run_2024 = run_evaluation(year=2024, ruleset_id=RULESET, actor=actor)
    adjust_class(result=_result(run_2024, uscc(1)), new_class="D", reason="测试连续年数", actor=actor)
    run_2025 = run_evaluation(year=2025, ruleset_id=RULESET, actor=actor)
    result = _result(run_2025, uscc(1))
    assert result.consecutive_years == (2 if result.class_original == "D" else 1)
    movements = class_movements(ruleset_id=RULESET, year=2025)
    assert movements.get_column("len").sum() == 3  # every firm has a class (T included) in both years
    moved = movements.filter((movements["from_class"] == "D") & (movements["to_class"] == result.class_final))
    assert moved.get_column("len").sum() >= 1


def test_export_workbook_sheets_and_no_nan(ledger, actor, tmp_path):
    run_evaluation(year=2025, ruleset_id=RULESET, actor=actor)
    out = tmp_path / "notice.xlsx"
    counts = export_evaluation(path=out, year=2025, ruleset_id=RULESET)
    assert counts["规上工业企业"] == 1 and counts["不参评名单"] == 1
    reader = fastexcel.read_excel(str(out))
    assert {"规上工业企业", "不参评名单", "电价加价清单", "园区汇总", "评价说明"} <= set(reader.sheet_names)
    for name in reader.sheet_names:
        frame = reader.load_sheet(name, dtypes="string", header_row=None).to_polars()
        text = " ".join(str(v) for row in frame.iter_rows() for v in row if v is not None)
        assert "nan" not in text.lower() and "inf" not in text.lower(), name
    notice = reader.load_sheet("规上工业企业").to_polars()
    assert notice.item(0, "统一社会信用代码") == uscc(1) and notice.item(0, "排名") == 1


def test_year_without_figures_is_a_clear_error(ledger, actor):
    with pytest.raises(InputError, match="2023 年没有任何企业的年度数据"):
        run_evaluation(year=2023, ruleset_id=RULESET, actor=actor)
    with pytest.raises(InputError, match="未知规则集"):
        run_evaluation(year=2025, ruleset_id="zj-nowhere", actor=actor)
    assert dt.date.today().year >= 2025


def test_concurrent_adjustments_do_not_silently_overwrite(ledger, actor):
    from parkgov.errors import ConflictError

    run = run_evaluation(year=2025, ruleset_id=RULESET, actor=actor)
    first_reader = _result(run, uscc(1))
    second_reader = _result(run, uscc(1))
    adjust_class(result=first_reader, new_class="B", reason="甲科长意见", actor=actor,
                 expected_version=first_reader.version)
    with pytest.raises(ConflictError, match="已被他人调整"):
        adjust_class(result=second_reader, new_class="D", reason="乙科长意见", actor=actor,
                     expected_version=second_reader.version)
    stored = _result(run, uscc(1))
    assert (stored.class_final, stored.adjustment_reason, stored.version) == ("B", "甲科长意见", 2)


def test_issue_17_results_keep_their_numbers_as_json_text_read_back_whole_and_by_key(ledger, actor):
    """Issue 17 §4: a result's numbers are stored as `json` on PostgreSQL (checked text, not `jsonb`): they read back
    as they were written, in the rule set's order, by key as well (the tier column of the summary reads them so), in
    a frame (the governance lists read them so) and in the history row an adjustment writes."""
    from django.db import connection

    from parkgov.governance.inputs import list_inputs

    run = run_evaluation(year=2025, ruleset_id=RULESET, actor=actor)
    host, absent = _result(run, uscc(1)), _result(run, uscc(2))
    # a firm not rated keeps its numbers without the benchmark and score it has not got
    assert {"benchmark", "score"} <= set(host.indicators["tax_per_mu"])
    assert absent.indicators and all("score" not in data and "benchmark" not in data and "value" in data
                                     for data in absent.indicators.values())
    assert list(host.indicators) == [k for k in get_ruleset(RULESET).indicators if k in host.indicators]
    by_key = EvaluationResult.objects.filter(pk=host.pk).values_list("indicators__tax_per_mu__value", flat=True)
    assert by_key.get() == host.indicators["tax_per_mu"]["value"] == pytest.approx(680 / host.land_mu)
    frame = list_inputs(year=2025, evaluation_run_id=run.pk).evaluation.filter(enterprise_id=host.enterprise_id)
    assert frame.item(0, "tax_per_mu") == host.indicators["tax_per_mu"]["value"]
    adjust_class(result=host, new_class="D", reason="联审会议决定", actor=actor)
    assert host.history.latest("history_id").indicators == _result(run, uscc(1)).indicators == host.indicators
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT table_name, data_type FROM information_schema.columns WHERE column_name = "
                           "'indicators' AND table_name LIKE 'evaluation_%%'")
            assert dict(cursor.fetchall()) == {"evaluation_evaluationresult": "json",
                                               "evaluation_historicalevaluationresult": "json"}


def test_issue_17_deleting_a_run_or_a_firm_deletes_its_results(ledger, actor):
    """The results name their run and firm without a database constraint (one check per result at commit, issue 17
    §4): deleting a run or a firm through Django still deletes its results, and the others stay."""
    from parkgov.ledger.models import Enterprise

    first = run_evaluation(year=2025, ruleset_id=RULESET, actor=actor)
    second = run_evaluation(year=2025, ruleset_id=RULESET, actor=actor)
    kept = second.results.count()
    first.delete()
    assert not EvaluationResult.objects.filter(run_id=first.pk).exists()
    assert EvaluationResult.objects.filter(run=second).count() == kept == 3
    firm = Enterprise.objects.get(credit_code=uscc(2))
    firm.delete()
    assert not EvaluationResult.objects.filter(enterprise_id=firm.pk).exists()
    assert EvaluationResult.objects.filter(run=second).count() == 2
