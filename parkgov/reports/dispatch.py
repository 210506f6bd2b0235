"""The monthly dispatch report of a zone (月度调度报告, issue 16 §3 and §4): the month's dispatch of each key
project, the year's running investment against the annual target, the late and missing reports, the help asked
for, and the zone's target progress with its trend chart, rendered by reports.pdf.render_pdf.

The data come from parkgov.zones.target_pages.dispatch_context for the caller's zone ids, so the PDF holds
exactly the projects the projects page shows to the same user.
"""

from parkgov.zones.target_pages import dispatch_context


def dispatch_pdf(*, code: str, year: int, month: int, zone_ids) -> bytes:
    """The PDF of zone `code`'s dispatch for (year, month); NotFound outside the caller's zones."""
    from parkgov.reports.pdf import render_pdf

    context = dispatch_context(code=code, year=year, month=month, zone_ids=zone_ids)
    context["trend_svg"] = _trend_chart(context)
    return render_pdf(template="reports/dispatch.html", context=context)


def _trend_chart(context) -> str:
    """Cumulative completion % by month of the key projects' investment and of each zone target with a target."""
    from parkgov.reports.charts import line_chart

    month = context["month"]
    months = [f"{m}月" for m in range(1, month + 1)]
    series = {"重点项目投资": _project_pct(context)}
    for kind in context["progress"]["kinds"]:
        if kind["target"] and kind["months"]:
            series[kind["name"]] = [m["cumulative_pct"] for m in kind["months"][:month]]
    return line_chart(labels=months, series=series, title="累计完成率", unit="%")


def _project_pct(context) -> list:
    target, month, cumulative, out = context["annual_target"], context["month"], 0.0, []
    for m in range(month):
        cumulative += sum(line["months"][m]["report"].invested for line in context["lines"]
                          if line["months"][m]["report"])
        out.append(round(cumulative / target * 100, 1) if target else None)
    return out
