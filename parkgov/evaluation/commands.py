"""Terminal side of the evaluation commands: call one service, format the answer in Chinese."""

from rich.table import Table

from parkgov.audit.context import acting_as
from parkgov.errors import NotFound
from parkgov.evaluation.models import EvaluationResult
from parkgov.evaluation.services import adjust_class, latest_run, run_evaluation
from parkgov.evaluation.summary import grade_counts

CLASS_ORDER = ("A", "B", "C", "D", "T")


def run_and_report(*, year, ruleset, zone, actor, console):
    with console.status(f"正在评价 {year} 年（{ruleset}）"):
        run = run_evaluation(year=year, ruleset_id=ruleset, zone_code=zone, actor=actor)
    grades = grade_counts(run=run)
    table = Table(title=f"{run.year} 年 {run.ruleset_name}（v{run.ruleset_version}）— 评价批次 {run.pk}")
    table.add_column("评价人群")
    for klass in CLASS_ORDER:
        table.add_column(klass, justify="right")
    names = dict(EvaluationResult.objects.filter(run=run).values_list("population", "population_name").distinct())
    for population, counts in sorted(run.summary.items()):
        label = names.get(population) or ("不属于任何人群" if population == "—" else population)
        table.add_row(label, *[str(counts.get(k, 0)) for k in CLASS_ORDER])
    if grades["classes"]:
        console.print(table)
    if grades["tiers"]:
        tiers = Table(title=f"{run.year} 年 {run.ruleset_name} — 档位")
        tiers.add_column("档位")
        tiers.add_column("企业数", justify="right")
        for row in grades["tiers"]:
            tiers.add_row(row["label"], str(row["firms"]))
        console.print(tiers)
    review = EvaluationResult.objects.filter(run=run).exclude(review_reason="").count()
    return (f"共 {run.firms} 家企业" + (f"，{review} 家待复核（输入可能有误）" if review else "") + f"；规则集指纹 {run.ruleset_hash[:12]}，输入数据指纹 {run.input_hash[:12]}"
            f"（相同输入重算结果相同）")


def describe_rulesets(check=None):
    from parkgov.evaluation.ruleset import builtin_rulesets, load_ruleset_file

    if check is not None:
        ruleset = load_ruleset_file(check)
        return f"{check} 有效：{ruleset.id} v{ruleset.version} {ruleset.name}（指纹 {ruleset.content_hash[:12]}）"
    lines = []
    for ruleset in builtin_rulesets().values():
        populations = "、".join(p.name for p in ruleset.populations)
        lines.append(f"{ruleset.id}  v{ruleset.version}  {ruleset.name}\n    人群：{populations}\n"
                     f"    来源：{ruleset.source.citation}")
    return "\n".join(lines)


def adjust_and_report(*, year, ruleset, credit_code, new_class, reason, zone, actor):
    run = latest_run(year=year, ruleset_id=ruleset, zone_code=zone)
    result = EvaluationResult.objects.filter(run=run, enterprise__credit_code=credit_code.strip().upper()).first()
    if result is None:
        raise NotFound(f"评价批次 {run.pk} 中没有企业 {credit_code}")
    with acting_as(actor, reason=reason):
        adjust_class(result=result, new_class=new_class, reason=reason, actor=actor)
    return f"{result.enterprise.name}：{result.class_original} → {result.class_final}（理由：{reason}）"


def history_text(*, credit_code, ruleset_id=None):
    results = EvaluationResult.objects.filter(enterprise__credit_code=credit_code.strip().upper()) \
        .select_related("run", "enterprise").order_by("run__ruleset_id", "run__year", "-run__created_at")
    if ruleset_id:
        results = results.filter(run__ruleset_id=ruleset_id)
    seen, lines = set(), []
    for result in results:
        key = (result.run.ruleset_id, result.run.year)
        if key in seen:
            continue
        seen.add(key)
        adjusted = f"（原评定 {result.class_original}，调档理由：{result.adjustment_reason}）" if result.adjusted else ""
        lines.append(f"{result.run.year}  {result.run.ruleset_id}  {result.class_final}{adjusted}  "
                     f"总分 {'—' if result.total is None else f'{result.total:.2f}'}  连续同类 {result.consecutive_years} 年")
    if not lines:
        raise NotFound(f"企业 {credit_code} 没有评价记录")
    return "\n".join(lines)
