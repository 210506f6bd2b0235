"""`parkgov supply applications` (export of the 准入申请) and `parkgov supply admission-rules` (load and show the
admission data files), added to the supply command group. Commands only translate: parse, call one service,
print. The export runs with the operator's scope (every park), or with `--user` that user's scope.
"""

from pathlib import Path
from typing import Optional

import typer

from parkgov.supply.commands import supply_app


@supply_app.command("applications")
def applications_command(out_path: Path = typer.Option(..., "--out", help="输出的 xlsx 文件"),
                         username: Optional[str] = typer.Option(None, "--user", help="按此用户的数据范围导出（默认全部园区）"),
                         state: str = typer.Option("", "--state", help="只含此状态（draft、submitted、reviewing、changes、"
                                                                       "decided、contracted、withdrawn）"),
                         outcome: str = typer.Option("", "--outcome", help="只含此结论（approved、conditional、rejected）"),
                         zone: str = typer.Option("", "--zone", help="只含此园区（含下级园区）")):
    """导出准入申请（状态、联审结论、投资强度、否决项与提示项的理由），一张工作表「准入申请」。"""
    from parkgov.cli import _setup, out

    _setup()
    from parkgov.supply.admission_queries import ApplicationFilters, export_applications

    filters = ApplicationFilters.parse({"state": state, "outcome": outcome, "zone": zone})
    rows = export_applications(path=out_path, scope=_scope(username), filters=filters)
    out.print(f"已导出 {out_path}：准入申请 {rows} 件")


@supply_app.command("admission-rules")
def admission_rules_command():
    """检查并列出准入联审的数据文件：各园区适用的准入标准及其门槛、负面清单、联审部门与结论规则。"""
    from parkgov.cli import _setup, out

    _setup()
    from parkgov.supply import admission_rules as rules

    assignment = rules.zone_assignment()
    for profile_id in rules.profile_ids():
        profile = rules.get_profile(profile_id)
        zones = "、".join(z for z, p in assignment.zones.items() if p == profile_id) or "—"
        default = "（默认）" if profile_id == assignment.default else ""
        out.print(f"{profile.id}{default} {profile.name}；适用园区：{zones}")
        for rule in profile.rules:
            value = "未录入（未核）" if rule.value is None else f"{rule.op} {rule.value:g} {rule.unit}"
            out.print(f"  {rule.code}: {rule.label} {value}（{rule.level}{'' if rule.verified else '，待核实'}）")
    out.print(f"负面清单 {len(rules.negative_list().entries)} 条；联审部门：{'、'.join(rules.review_rules().departments)}；"
              f"流程 {rules.admission_workflow().id} v{rules.admission_workflow().version}")


def _scope(username):
    from django.contrib.auth import get_user_model

    from parkgov.accounts.scopes import scope_for
    from parkgov.errors import UsageError
    from parkgov.governance.lists import operator_scope

    if not username:
        return operator_scope()
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise UsageError(f"没有用户“{username}”（--user 应为已有的有效用户名）")
    return scope_for(user)
