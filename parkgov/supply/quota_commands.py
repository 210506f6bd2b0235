"""`parkgov supply quota --zone CODE`: a zone's land-quota account — balance, movements, pending transfers and
its 批而未供 land. Runs with the operator's scope (every park), or with `--user` that user's scope."""

from typing import Optional

import typer

from parkgov.supply.commands import supply_app


@supply_app.command("quota")
def quota_command(zone: str = typer.Option(..., "--zone", help="园区编码"),
                  limit: int = typer.Option(20, "--limit", min=1, help="列出最近的变动条数"),
                  username: Optional[str] = typer.Option(None, "--user", help="按此用户的数据范围（默认全部园区）")):
    """显示园区的用地指标账户：余额（亩）、最近变动（关联地块与案件）、待审批调剂、批而未供土地。"""
    from parkgov.cli import _setup, out

    _setup()
    from parkgov.governance.case_commands import _scope
    from parkgov.supply import quota
    from parkgov.supply.choices import TransferState

    scope = _scope(username)
    found = quota.zone_in_scope(scope=scope, code=zone)
    account = next(a for a in quota.scoped_accounts(scope=scope) if a["zone"].pk == found.pk)
    out.print(f"{found.code} {found.name} 用地指标余额：{account['balance_mu']:,.4f} 亩")
    for m in quota.movements(scope=scope, zone=found)[:limit]:
        sign = "-" if m.kind in ("debit", "transfer_out") else "+"
        links = " ".join(x for x in (m.parcel.code if m.parcel else "", m.case.number if m.case else "") if x)
        out.print(f"  {m.moved_on} {m.get_kind_display()} {sign}{m.mu:,.4f} 亩 → {m.balance_after:,.4f} 亩 {links}")
    pending = quota.transfers(scope=scope, zone=found, state=TransferState.PENDING)
    for t in pending:
        out.print(f"  待审批调剂 #{t.pk}：{t.from_account.zone.code} → {t.to_account.zone.code} {t.mu:,.4f} 亩（{t.reason}）")
    land = quota.unsupplied_parcels(scope=scope, zone=found)
    out.print(f"批而未供：{land.count()} 宗，{account['unsupplied_mu']:,.2f} 亩")
