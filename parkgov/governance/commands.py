"""`parkgov governance …`: the governance command group. Commands only translate: parse, call one service, print.

Other governance modules add their commands to `governance_app` in their own files (`case_commands.py`,
`layer_commands.py`), imported at the end of this module when present; like this one they import Django code inside the command
functions (the group is built before Django is set up).
"""

import importlib
import importlib.util
from pathlib import Path
from typing import Optional

import typer

governance_app = typer.Typer(help="治理：清单、四个一批、一地一企一策案件", no_args_is_help=True)
COMMAND_MODULES = ("parkgov.governance.case_commands", "parkgov.governance.layer_commands")


@governance_app.command("lists")
def lists_command(year: int = typer.Option(..., "--year", help="清单年度"),
                  out_path: Path = typer.Option(..., "--out", help="输出的 xlsx 文件，或 .gpkg（每个清单一个图层）"),
                  generate: bool = typer.Option(False, "--generate", help="先重新生成该年度清单（未生成过时总会生成）"),
                  zone: Optional[str] = typer.Option(None, "--zone", help="只含此园区（含下级园区）"),
                  rules: Optional[list[str]] = typer.Option(None, "--rule", help="只生成这些清单规则（可重复）"),
                  evaluation_run: Optional[int] = typer.Option(None, "--evaluation-run",
                                                               help="依据的评价批次编号（默认该年度最新批次）")):
    """导出某年度的全部治理清单（每个清单一张工作表，含列入理由和说明页）；尚未生成时先生成。"""
    from parkgov.cli import _actor, _setup, console, out

    _setup()
    from parkgov.governance.list_commands import lists_to_workbook

    out.print(lists_to_workbook(year=year, path=out_path, generate=generate, zone_code=zone, rule_ids=rules,
                                evaluation_run=evaluation_run, actor=_actor(), console=console))


for _name in COMMAND_MODULES:
    if importlib.util.find_spec(_name) is not None:
        importlib.import_module(_name)
