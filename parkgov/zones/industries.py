"""At most three leading industries per park (issue 16 §2; shengzhou 2021 §三.9), checked on each park's mix.

A park's mix is the share of each GB/T 4754-2017 industry (大类 by default) in the park's output of the year (its
own firms and those of its parks, as the land accounts count them); an industry leads when its share reaches the
rule's `min_share`; a park with more than `max_leading` leading industries is flagged. The rule is data
(data/leading_industries.yaml); the shares are computed with one query per table.
"""

import polars as pl
from django.utils.translation import gettext

from parkgov.codes.tables import code_table
from parkgov.ledger.bulk import fetch_frame
from parkgov.ledger.models import Enterprise, YearlyFigure, Zone
from parkgov.zones.derive import zone_ancestors
from parkgov.zones.green_rules import industry_rule


def industry_shares(*, year: int) -> pl.DataFrame:
    """zone_id, industry, value, share (%) of every zone's industries in `year`, largest first."""
    rule = industry_rule()
    firms = fetch_frame(Enterprise, columns=["zone_id", "industry_code"]).rename({"id": "enterprise_id"})
    figures = fetch_frame(YearlyFigure, columns=["enterprise_id", "year", rule.measure]).filter(
        (pl.col("year") == year) & (pl.col(rule.measure) > 0))
    ancestors = zone_ancestors(fetch_frame(Zone, columns=["parent_id"]))
    width = 2 if rule.level == "division" else 4
    frame = figures.join(firms, on="enterprise_id", how="inner").join(ancestors, on="zone_id", how="inner").filter(
        pl.col("industry_code").str.len_chars() >= width)
    grouped = frame.group_by("account_zone_id", pl.col("industry_code").str.slice(0, width).alias("industry")).agg(
        pl.col(rule.measure).sum().alias("value"), pl.len().alias("firms"))
    return grouped.with_columns((pl.col("value") / pl.col("value").sum().over("account_zone_id") * 100)
                                .alias("share")).rename({"account_zone_id": "zone_id"}).sort(
        ["zone_id", "value"], descending=[False, True])


def leading_industries(*, year: int, zone_ids=None) -> list:
    """Per zone in `zone_ids` (None = all), by code: its industries with shares, the leading ones, their count and
    whether the park breaks the rule, with the reason."""
    rule, names = industry_rule(), code_table("gbt4754_2017")
    shares = industry_shares(year=year)
    zones = Zone.objects.defer("geometry").order_by("code")
    zones = zones if zone_ids is None else zones.filter(pk__in=zone_ids)
    by_zone = {}
    for row in shares.iter_rows(named=True):
        by_zone.setdefault(row["zone_id"], []).append(
            {"code": row["industry"], "name": names.label(row["industry"]), "value": row["value"],
             "firms": row["firms"], "share": row["share"], "leading": row["share"] >= rule.min_share})
    out = []
    for zone in zones:
        industries = by_zone.get(zone.pk, [])
        leading = [i for i in industries if i["leading"]]
        flagged = len(leading) > rule.max_leading
        reason = gettext("主导产业 %(count)s 个（占工业总产值 %(share)s%% 及以上的行业大类），超过 %(max)s 个") % {
            "count": len(leading), "share": f"{rule.min_share:g}", "max": rule.max_leading} if flagged else ""
        out.append({"zone": zone, "industries": industries, "leading": leading, "leading_count": len(leading),
                    "max_leading": rule.max_leading, "min_share": rule.min_share, "flagged": flagged,
                    "reason": reason, "has_data": bool(industries)})
    return out
