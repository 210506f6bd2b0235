"""The demo zone's governance: what `parkgov demo` builds after the ledger so that the 治理 pages have work on them.

In order, each step through the same services a user's action goes through (nothing is written behind their
back): the demo accounts (one per role), the zones' 盘活 targets (the 盘活目标 sheet import), the river and
planned-land-use layers (the reference-layer import), the evaluations of 2024 and 2025 (the 2025
zj-huangyan-2022 run last, as the evaluation page opens on the latest run), every list of both years, then
四个一批 and the cases (parkgov.demo.cases). Every choice is fixed by the seed; only the dates the services
stamp (opened, signed, deadlines counted from today) are the day of the build.
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
LABELS = {"accounts": "演示账号", "targets": "盘活目标", "layers": "参考图层", "evaluations": "评价批次",
          "lists": "清单条目", "cases": "四个一批与案件"}


def build_governance(*, data, seed: int, actor, say) -> dict:
    """Accounts, 盘活 targets, reference layers, evaluations, lists, 四个一批 and cases for the demo ledger just
    written; says each step's count and time, returns the counts."""
    from parkgov.accounts.services import ensure_demo_accounts
    from parkgov.demo.cases import build_cases

    counts, seconds = {}, {}

    def step(name, work):
        started = time.perf_counter()
        counts[name] = work()
        seconds[name] = time.perf_counter() - started

    step("accounts", lambda: len(ensure_demo_accounts()))
    with transaction.atomic(), acting_as(actor, reason=f"演示园区 种子{seed}"):
        step("targets", lambda: write_targets(targets=data.targets))
        step("layers", lambda: import_layers(data=data, seed=seed, actor=actor))
    step("evaluations", lambda: len(run_evaluations(actor=actor)))
    step("lists", lambda: generate_demo_lists(actor=actor))
    step("cases", lambda: build_cases(seed=seed))
    say(f"已生成治理演示（共 {sum(seconds.values()):.1f} 秒）：" + "，".join(
        f"{LABELS[k]} {v:,}（{seconds[k]:.1f} 秒）" for k, v in counts.items()))
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


def import_layers(*, data, seed: int, actor) -> int:
    """The river and planned-land-use layers (parkgov.demo.generator.reference) written as GeoPackages to a
    temporary folder and imported through the reference-layer import; returns the layers imported."""
    from parkgov.demo.generator.reference import import_demo_layers, write_reference_layers

    with tempfile.TemporaryDirectory(prefix="demo-layers-") as folder:
        write_reference_layers(zone_geometry=data.zone_geometry, directory=Path(folder), seed=seed)
        return len(import_demo_layers(directory=Path(folder), actor=actor, seed=seed))


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
