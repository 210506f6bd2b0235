"""`parkgov report …`: PDF reports. Commands only translate: parse, call one service, write the file.
Django code is imported inside the command functions (the group is built before Django is set up).

The operator's scope is the administrator's (every park, every field) unless `--user` names an account, whose
scope (parks, field groups, domains) then applies as on its pages."""

from pathlib import Path
from typing import Optional

import typer

report_app = typer.Typer(help="PDF 报告：一企一档、一地一档、园区年度评价报告", no_args_is_help=True)


def _scope(username):
    from django.contrib.auth import get_user_model
    from django.core.exceptions import PermissionDenied

    from parkgov.accounts.scopes import scope_for
    from parkgov.errors import UsageError
    from parkgov.governance.lists import operator_scope

    if not username:
        return operator_scope()
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise UsageError(f"没有用户“{username}”（--user 应为已有的有效用户名）")
    try:
        return scope_for(user)
    except PermissionDenied as exc:
        raise UsageError(f"用户“{username}”：{exc}") from exc


@report_app.command("annual")
def annual_command(zone: str = typer.Option(..., "--zone", help="园区编码"),
                   year: int = typer.Option(..., "--year", help="评价年度"),
                   out_path: Path = typer.Option(..., "--out", help="输出的 PDF 文件"),
                   user: Optional[str] = typer.Option(None, "--user", help="按此用户的数据范围生成")):
    """园区年度评价报告：概况、分类与档位分布、历年趋势、排名、差别化政策、治理清单与案件进展、园区土地集约利用评价、
    底线与绿色指标、目标任务（带目录、图表与页码）。"""
    from parkgov.cli import _setup, out

    _setup()
    from parkgov.reports.annual import annual_report_pdf

    pdf = annual_report_pdf(scope=_scope(user), zone_code=zone, year=year)
    _write(out_path, pdf)
    out.print(f"已生成 {out_path}（{len(pdf) / 1024:.0f} KB）")


@report_app.command("dossier")
def dossier_command(out_path: Path = typer.Option(..., "--out", help="输出的 PDF 文件（--zip 时为 zip 文件）"),
                    firm: Optional[str] = typer.Option(None, "--firm", help="企业统一社会信用代码（一企一档）"),
                    parcel: Optional[str] = typer.Option(None, "--parcel", help="地块编码（一地一档）"),
                    zone: Optional[str] = typer.Option(None, "--zone", help="园区编码：该园区（含下级园区）全部企业的档案"),
                    parcels: bool = typer.Option(False, "--parcels", help="与 --zone 同用：打印地块档案而非企业档案"),
                    as_zip: bool = typer.Option(False, "--zip", help="与 --zone 同用：每份档案一个 PDF，打包为 zip"),
                    user: Optional[str] = typer.Option(None, "--user", help="按此用户的数据范围生成")):
    """一企一档 / 一地一档 PDF：一家企业（--firm）、一个地块（--parcel），或一个园区的全部档案（--zone）。"""
    from parkgov.cli import _setup, console, out
    from parkgov.errors import UsageError

    if sum(bool(x) for x in (firm, parcel, zone)) != 1:
        raise UsageError("请只给出 --firm、--parcel、--zone 中的一个")
    _setup()
    from parkgov.reports import dossier_pdf as service

    scope = _scope(user)
    firms, plots = [], []
    if firm:
        firms = [service.find_enterprise(scope=scope, credit_code=firm)]
    elif parcel:
        plots = [service.find_parcel(scope=scope, code=parcel)]
    else:
        members = service.zone_members(scope=scope, zone_code=zone, kind="parcel" if parcels else "enterprise")
        firms, plots = ([], members) if parcels else (members, [])

    def progress(done, total):
        if done % 100 == 0 or done == total:
            console.print(f"已整理 {done}/{total} 份档案")

    render = service.dossier_zip if as_zip else service.dossier_pdf
    data = render(scope=scope, enterprises=firms, parcels=plots, progress=progress)
    _write(out_path, data)
    out.print(f"已生成 {out_path}：{len(firms) + len(plots)} 份档案（{len(data) / 1024:.0f} KB）")


def _write(path: Path, data: bytes) -> None:
    # written whole under a temporary name, then moved: no half-written report under the asked name
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    part.replace(path)
