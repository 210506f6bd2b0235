"""`parkgov governance cases` (export) and `parkgov governance case-updates` (import of 案件进展), added to the
governance command group. Commands only translate: parse, call one service, print.

The export runs with the operator's scope (every park), like `parkgov export`, or with `--user` that user's
scope; the import always acts as a named user, because who may make each step depends on the user's role and
department (workflows/case.yaml).
"""

from pathlib import Path
from typing import Optional

import typer

from parkgov.governance.commands import governance_app


@governance_app.command("cases")
def cases_command(out_path: Path = typer.Option(..., "--out", help="输出的 xlsx 文件，或 .gpkg（每宗地块一个图斑）"),
                  username: Optional[str] = typer.Option(None, "--user", help="按此用户的数据范围导出（默认全部园区）"),
                  state: str = typer.Option("", "--state", help="只含此状态（to_dispatch、dispatched、rectifying、"
                                                                "to_verify、closed）"),
                  department: str = typer.Option("", "--department", help="只含列明此部门的案件（部门编码或名称）"),
                  zone: str = typer.Option("", "--zone", help="只含此园区（含下级园区）"),
                  overdue: bool = typer.Option(False, "--overdue", help="只含逾期案件")):
    """导出治理案件（状态、责任部门、期限、是否逾期、本轮验收、整改目标），一张工作表「治理案件」。"""
    from parkgov.cli import _setup, out

    _setup()
    from django.utils import timezone

    from parkgov.codes.tables import department_code
    from parkgov.governance.case_exchange import export_cases
    from parkgov.governance.case_queries import BoardFilters

    filters = BoardFilters.parse({"state": state, "department": department_code(department), "zone": zone,
                                  "overdue": "1" if overdue else ""})
    rows = export_cases(path=out_path, scope=_scope(username), filters=filters, today=timezone.localdate())
    out.print(f"已导出 {out_path}：治理案件 {rows} 件")


@governance_app.command("case-updates")
def case_updates_command(path: Path = typer.Argument(..., help="含工作表「案件进展」的 xlsx 工作簿"),
                         username: str = typer.Option(..., "--user", help="以此用户的身份办理（其角色与部门决定能做哪些操作）")):
    """导入案件进展（接收、提交核验、销号、退回、延期、同意销号、不同意、完成步骤）：全部通过才写入，否则一行不写。"""
    from parkgov.cli import _setup, console, out

    _setup()
    from django.db import transaction

    from parkgov.audit.context import acting_as
    from parkgov.errors import ImportRejected
    from parkgov.governance.case_exchange import apply_case_updates

    user, scope = _user(username), _scope(username)
    try:
        with acting_as(user, reason=f"导入案件进展 {path.name}"), transaction.atomic():
            report = apply_case_updates(path=path, actor=user, scope=scope, file_name=path.name)
    except ImportRejected as exc:
        for issue in exc.report.issues.errors[:50]:
            console.print(issue.describe(path.name))
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    out.print(f"{path.name}：已办理 {report.applied} 项")


def _user(username):
    from django.contrib.auth import get_user_model

    from parkgov.errors import UsageError

    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise UsageError(f"没有用户“{username}”（--user 应为已有的有效用户名）")
    return user


def _scope(username):
    from parkgov.accounts.scopes import scope_for
    from parkgov.governance.lists import operator_scope

    return scope_for(_user(username)) if username else operator_scope()
