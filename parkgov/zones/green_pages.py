"""What the 绿色与底线 pages show, composed from the services for the user's zones (views only render it)."""

from django.utils.translation import gettext

from parkgov.errors import NotFound
from parkgov.ledger.models import Zone
from parkgov.zones.bottom_line import overview, zone_outcomes
from parkgov.zones.bottom_line_record import confirmations
from parkgov.zones.green import zone_green
from parkgov.zones.green_rules import bottom_line_set, bottom_line_years, industry_rule
from parkgov.zones.industries import leading_industries

CONSEQUENCE_CLASS = {"": "ok", "通报约谈": "warn", "问责": "alert"}


def pick_year(value: str) -> int | None:
    """The asked year when a 底线 set is published for it, else the latest published one."""
    years = bottom_line_years()
    if value.isdigit() and int(value) in years:
        return int(value)
    return years[-1] if years else None


def baseline_year(year: int) -> int:
    """The baseline year of the green profile that `year`'s 底线 set uses (the default profile's otherwise)."""
    from parkgov.zones.green_rules import DEFAULT_GREEN, green_profile

    profile = bottom_line_set(year).green_profile if year in bottom_line_years() else DEFAULT_GREEN
    return green_profile(profile).baseline_year


def _consequence(value: str) -> dict:
    return {"code": value, "label": gettext(value) if value else gettext("无"), "css": CONSEQUENCE_CLASS[value]}


def compare_context(*, year, zone_ids) -> dict:
    """Every zone of the user's side by side: 底线 outcome, green indicators, leading industries; chart data."""
    rows = [{"zone": o["zone"], "outcome": o, "consequence": _consequence(o["consequence"]), "green": o["green"],
             "mix": o["mix"]} for o in overview(year=year, zone_ids=zone_ids)]
    names = [i["name"] for i in rows[0]["green"]] if rows else []
    iso = [r["green"][-1]["value"] for r in rows if r["green"] and r["green"][-1]["code"] == "iso14001"]
    certified = sum(1 for v in iso if v == 1.0)
    counts = {c: sum(1 for r in rows if r["outcome"]["consequence"] == c) for c in ("通报约谈", "问责")}
    return {"year": year, "years": bottom_line_years(), "rows": rows, "green_names": names,
            "set": bottom_line_set(year), "rule": industry_rule(), "share_text": f"{industry_rule().min_share:g}%",
            "certified": certified, "reported": len(iso),
            "talks": counts["通报约谈"], "accountability": counts["问责"],
            "flagged": sum(1 for r in rows if r["mix"]["flagged"]),
            "confirmations": confirmations(year), "changed": sum(1 for r in rows if r["outcome"]["changes"]),
            "chart": {"zones": [r["zone"].name for r in rows], "failed": [r["outcome"]["failed"] for r in rows],
                      "states": [r["consequence"]["css"] for r in rows],
                      "energy": [_round(r["green"][0]["change_pct"]) for r in rows],
                      "energy_target": rows[0]["green"][0]["target"] if rows else None,
                      "failed_label": gettext("不达标项数"), "energy_label": gettext("单位工业增加值能耗较基准年变化（%）"),
                      "target_label": gettext("目标")}}


def _round(value):
    return None if value is None else round(value, 2)


def zone_context(*, code, year, zone_ids) -> dict:
    """One zone's 底线 outcome with reasons and history, its green indicators and its industry mix."""
    zone = Zone.objects.filter(code=code).defer("geometry").first()
    if zone is None or (zone_ids is not None and zone.pk not in zone_ids):
        raise NotFound(f"园区 {code} 不存在或不在您的数据范围内")
    outcome = zone_outcomes(zone=zone, year=year)
    green = zone_green(zone=zone, year=year, profile_id=bottom_line_set(year).green_profile)
    mix = leading_industries(year=year, zone_ids=[zone.pk])[0]
    history = [dict(h, consequence=_consequence(h["consequence"])) for h in outcome["history"]]
    current = outcome["current"]
    return {"zone": zone, "year": year, "years": bottom_line_years(), "outcome": outcome, "green": green,
            "current_consequence": _consequence(current["consequence"]) if current else None,
            "consequence": _consequence(outcome["consequence"]), "history": history, "mix": mix,
            "set": bottom_line_set(year), "rule": industry_rule(),
            "chart": {"years": [h["year"] for h in outcome["history"]], "failed": [h["failed"] for h in outcome["history"]],
                      "failed_label": gettext("不达标项数"), "threshold": 2,
                      "mix": [{"name": f"{i['code']} {i['name']}", "value": round(i["value"], 2)}
                              for i in mix["industries"]], "mix_label": gettext("工业总产值（万元）")}}
