"""The review as the command line and the web job run it: one transaction, audited, then the workbook."""

from django.db import transaction
from django.utils.translation import gettext

from parkgov.audit.context import acting_as
from parkgov.supply.choices import CommitmentStatus, IdleStatus
from parkgov.supply.review import run_review
from parkgov.supply.review_export import write_review_workbook


def review_to_workbook(*, year, on, zone_code, path, actor, console=None) -> str:
    """Run and store the review, write its workbook to `path`; returns the Chinese summary line."""
    with acting_as(actor, reason=gettext("供地复核")), transaction.atomic():
        run = run_review(on=on, year=year, actor=actor, zone_code=zone_code)
    counts = write_review_workbook(run=run, path=path)
    return describe(run) + "\n" + gettext("已导出 %(path)s：") % {"path": path} + "，".join(
        f"{name} {rows} 行" for name, rows in counts.items())


def describe(run) -> str:
    """One line: the run, commitment counts by status, damages, idle counts and fees."""
    summary = run.summary
    parts = [f"{CommitmentStatus(k).label} {v}" for k, v in sorted(summary.get("commitments", {}).items())]
    idle = [f"{IdleStatus(k).label} {v}" for k, v in sorted(summary.get("idle", {}).items())]
    line = gettext("供地复核批次 %(id)s（基准日 %(on)s，数据年度 %(year)s）") % {
        "id": run.pk, "on": f"{run.as_of:%Y-%m-%d}", "year": run.year}
    line += "：" + gettext("合同 %(n)s 份") % {"n": summary.get("contracts", 0)} + ("（" + "，".join(parts) + "）" if parts else "")
    line += "，" + gettext("违约金合计 %(amount)s 万元") % {"amount": f"{summary.get('damages', 0):,.2f}"}
    if "idle" in summary:
        line += "；" + gettext("已供地块 %(n)s 宗") % {"n": summary.get("parcels", 0)} + ("（" + "，".join(idle) + "）" if idle else "")
        line += "，" + gettext("土地闲置费合计 %(amount)s 万元") % {"amount": f"{summary.get('fees', 0):,.2f}"}
    return line
