"""The demo zone's governance: what `parkgov demo` builds after the ledger so that the 治理 pages have work on them.

In order, each step through the same services a user's action goes through (nothing is written behind their
back): the demo accounts (one per role), the zones' 盘活 targets, the evaluations of 2024 and 2025 (the
2025 zj-huangyan-2022 run last, as the evaluation page opens on the latest run). Every choice is fixed by the
seed; only the dates the services stamp (opened, signed) are the day of the build.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import xlsxwriter
from django.db import transaction

from parkgov.audit.context import acting_as

# (year, rule set) in the order they run
EVALUATIONS = ((2024, "zj-huangyan-2021"), (2024, "shengzhou-tiers"), (2025, "shengzhou-tiers"),
               (2025, "zj-huangyan-2022"))
LIST_YEARS = (2024, 2025)


def build_governance(*, data, seed: int, actor, say) -> dict:
    """Accounts, 盘活 targets and evaluations for the demo ledger just written; returns counts per step."""
    from parkgov.accounts.services import ensure_demo_accounts

    counts = {}
    started = time.perf_counter()
    counts["accounts"] = len(ensure_demo_accounts())
    with transaction.atomic(), acting_as(actor, reason=f"演示园区 种子{seed}"):
        counts["targets"] = write_targets(targets=data.targets)
    counts["evaluations"] = len(run_evaluations(actor=actor))
    counts["lists"] = generate_demo_lists(actor=actor)
    from parkgov.demo.cases import build_cases

    counts["cases"] = build_cases(seed=seed)
    say(f"已生成治理演示：{_describe(counts)}（{time.perf_counter() - started:.1f} 秒）")
    return counts


def write_targets(*, targets) -> int:
    """The zones' 盘活 targets through the `盘活目标` sheet import (parkgov.governance.targets), as a zone would
    send them: written to a workbook in a temporary folder, then imported. Returns the rows written."""
    from parkgov.governance.targets import SHEET, import_targets

    with tempfile.TemporaryDirectory(prefix="demo-targets-") as folder:
        path = Path(folder) / "盘活目标.xlsx"
        workbook = xlsxwriter.Workbook(str(path))
        sheet = workbook.add_worksheet(SHEET)
        sheet.write_row(0, 0, ["园区编码", "年度", "盘活目标（亩）", "来源", "已核实"])
        for row, (zone, year, target, source, verified) in enumerate(targets.iter_rows(), start=1):
            sheet.write_row(row, 0, [zone, year, target, source, "是" if verified else "否"])
        workbook.close()
        counts = import_targets(path=path)
    return counts["created"] + counts["updated"]


def run_evaluations(*, actor) -> list:
    """The demo's evaluation runs, in EVALUATIONS order."""
    from parkgov.evaluation.services import run_evaluation

    with acting_as(actor, reason="演示园区评价"):
        return [run_evaluation(year=year, ruleset_id=ruleset, actor=actor) for year, ruleset in EVALUATIONS]


def generate_demo_lists(*, actor) -> int:
    """Every built-in list for each of LIST_YEARS (each on its year's latest evaluation run); returns entries."""
    from parkgov.governance.lists import generate_lists

    with transaction.atomic(), acting_as(actor, reason="演示园区治理清单"):
        runs = [run for year in LIST_YEARS for run in generate_lists(year=year, actor=actor)]
    return sum(run.entries_count for run in runs)


def _describe(counts: dict) -> str:
    labels = {"accounts": "演示账号", "targets": "盘活目标", "evaluations": "评价批次", "layers": "参考图层",
              "lists": "清单条目", "dispositions": "四个一批建议", "cases": "案件"}
    return "，".join(f"{labels.get(k, k)} {v:,}" for k, v in counts.items())
