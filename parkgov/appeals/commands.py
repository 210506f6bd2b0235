"""`parkgov appeal …`: enterprise accounts, 公示 periods and the appeals list. Commands only translate: parse,
call one service, print. Django code is imported inside the command functions."""

import datetime as dt

import typer

appeal_app = typer.Typer(help="企业申诉：企业账号、公示期与申诉", no_args_is_help=True)


@appeal_app.command("account")
def account_command(credit_code: str = typer.Option(..., "--credit-code", help="企业的统一社会信用代码"),
                    username: str = typer.Option("", "--username", help="登录名（默认为信用代码）"),
                    password: str = typer.Option("", "--password", help="密码（默认随机生成并显示一次）")):
    """为台账中的一家企业开设企业账号（角色“企业”，只能看到本企业）。"""
    from parkgov.cli import _setup, out

    _setup()
    from django.db import transaction

    from parkgov.appeals.accounts import create_enterprise_account

    with transaction.atomic():
        user, secret = create_enterprise_account(credit_code=credit_code, username=username, password=password)
    out.print(f"已为 {user.first_name}（{credit_code}）开设企业账号：用户名 {user.username}，密码 {secret}")


@appeal_app.command("publicity")
def publicity_command(run_id: int = typer.Option(..., "--run", help="评价批次编号"),
                      start: str = typer.Option(..., "--start", help="公示开始日期 YYYY-MM-DD"),
                      days: int = typer.Option(0, "--days", help="公示工作日数（默认按 appeals.yaml）")):
    """设置评价批次的公示期（按工作日计算截止日期）。"""
    from parkgov.cli import _actor, _setup, out

    _setup()
    from django.db import transaction

    from parkgov.appeals.services import set_publicity
    from parkgov.errors import NotFound, UsageError
    from parkgov.evaluation.models import EvaluationRun

    try:
        starts_on = dt.date.fromisoformat(start)
    except ValueError as exc:
        raise UsageError(f"--start 应为 YYYY-MM-DD 格式的日期，收到“{start}”") from exc
    run = EvaluationRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound(f"没有编号为 {run_id} 的评价批次")
    with transaction.atomic():
        period = set_publicity(run=run, starts_on=starts_on, working_days=days or None, actor=_actor())
    out.print(f"批次 {run.pk}（{run.year} 年）公示 {period.working_days} 个工作日：{period.starts_on} 至 {period.ends_on}")
