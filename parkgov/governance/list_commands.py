"""Terminal side of `parkgov governance lists`: generate when asked or when nothing is stored, write the workbook,
answer in Chinese."""

from django.db import transaction
from django.utils.translation import gettext

from parkgov.audit.context import acting_as
from parkgov.evaluation.inputs import zone_scope
from parkgov.governance.export import write_year_workbook
from parkgov.governance.lists import generate_lists, latest_runs, operator_scope


def lists_to_workbook(*, year, path, generate, zone_code, rule_ids, evaluation_run, actor, console) -> str:
    """Generate the year's lists if `generate` or none is stored, then write every list of the year to `path`."""
    lines = []
    if generate or not latest_runs(year=year):
        with console.status(gettext("正在生成 %(year)s 年清单") % {"year": year}), \
                acting_as(actor, reason="命令行生成治理清单"), transaction.atomic():
            runs = generate_lists(year=year, actor=actor, rule_ids=rule_ids, evaluation_run=evaluation_run,
                                  zone_code=zone_code)
        lines += [gettext("已生成 %(name)s：%(entries)s 条（批次 %(id)s，输入数据指纹 %(hash)s）") % {
            "name": run.rule_name, "entries": run.entries_count, "id": run.pk, "hash": run.input_hash[:12]}
            for run in runs]
    counts = write_year_workbook(path=path, year=year, scope=operator_scope(), zone_ids=zone_scope(zone_code))
    lines.append(gettext("已导出 %(path)s：") % {"path": path}
                 + "，".join(f"{name} {rows} 条" for name, rows in counts.items()))
    return "\n".join(lines)
