"""Land attribution (一码管地 → 用地面积): pure functions over frames of firms and land links.

Own land = land held as 土地使用权人 (the link's area, else the parcel's registered area), minus land let to
tenants that are evaluated separately; leased land = the tenant's leased floor area ÷ the host parcel's plot
ratio (or × a factor, or the link's land area) as the rule set says. Areas in m² in, 亩 out (exact 15/10000).
"""

import polars as pl

MU = 15 / 10000


def attribute_land(firms: pl.DataFrame, links: pl.DataFrame, rule) -> pl.DataFrame:
    """Add own_land_mu, leased_land_mu, let_land_mu, land_mu, tenants, tenants_below_scale, is_tenant,
    has_own_land and host_credit_code to `firms` (keyed by credit_code).

    `links`: credit_code, parcel_code, role, land_area_m2, floor_area_m2, parcel_area_m2, parcel_floor_area_m2.
    """
    holders = links.filter(pl.col("role") == "holder")
    tenants = links.filter(pl.col("role").is_in(["tenant", "subtenant"]))
    own = holders.group_by("credit_code").agg(
        pl.coalesce("land_area_m2", "parcel_area_m2").sum().alias("__own_m2"))
    plot_ratio = pl.col("parcel_floor_area_m2") / pl.col("parcel_area_m2")
    equivalent = {
        "floor_over_plot_ratio": pl.when(pl.col("floor_area_m2").is_not_null() & (plot_ratio > 0))
        .then(pl.col("floor_area_m2") / plot_ratio).otherwise(pl.col("land_area_m2")),
        "floor_times_factor": pl.coalesce(pl.col("floor_area_m2") * rule.leased_factor, pl.col("land_area_m2")),
        "land_area": pl.col("land_area_m2"),
        "none": pl.lit(0.0),
    }[rule.leased]
    tenants = tenants.with_columns(equivalent.fill_null(0.0).alias("__equiv_m2"))
    leased = tenants.group_by("credit_code").agg(pl.col("__equiv_m2").sum().alias("__leased_m2"))
    # one host per parcel and per tenant, chosen by rule, not by row order (which differed from run to run, and so
    # did the input fingerprint): the parcel's largest holder, and the host the tenant leases most from; ties by code
    host_of = holders.with_columns(pl.coalesce("land_area_m2", "parcel_area_m2").alias("__held_m2")) \
        .sort(["parcel_code", "__held_m2", "credit_code"], descending=[False, True, False], nulls_last=True) \
        .unique("parcel_code", keep="first", maintain_order=True) \
        .select("parcel_code", pl.col("credit_code").alias("host_credit_code"))
    tenancy = tenants.join(host_of, on="parcel_code", how="inner") \
        .join(firms.select("credit_code", pl.col("scale").alias("__tenant_scale")), on="credit_code", how="left")
    let = tenancy.group_by("host_credit_code").agg(
        pl.col("__equiv_m2").sum().alias("__let_m2"),
        pl.col("credit_code").n_unique().alias("tenants"),
        pl.col("credit_code").filter(pl.col("__tenant_scale") == "below").n_unique().alias("tenants_below_scale"),
    ).rename({"host_credit_code": "credit_code"})
    hosts = tenancy.group_by("credit_code", "host_credit_code").agg(pl.col("__equiv_m2").sum()) \
        .sort(["credit_code", "__equiv_m2", "host_credit_code"], descending=[False, True, False], nulls_last=True) \
        .unique("credit_code", keep="first", maintain_order=True).select("credit_code", "host_credit_code")
    out = firms.join(own, on="credit_code", how="left").join(leased, on="credit_code", how="left") \
        .join(let, on="credit_code", how="left").join(hosts, on="credit_code", how="left")
    # merged tenants' figures are added to the host, so the host keeps the land it lets to them
    subtract = rule.subtract_let_to_rated_tenants and not rule.merge_tenants
    let_m2 = pl.col("__let_m2").fill_null(0.0) if subtract else pl.lit(0.0)
    own_m2 = (pl.col("__own_m2").fill_null(0.0) - let_m2).clip(lower_bound=0.0)
    return out.with_columns(
        (own_m2 * MU).alias("own_land_mu"),
        (pl.col("__leased_m2").fill_null(0.0) * MU).alias("leased_land_mu"),
        (let_m2 * MU).alias("let_land_mu"),
        ((own_m2 + pl.col("__leased_m2").fill_null(0.0)) * MU).alias("land_mu"),
        pl.col("tenants").fill_null(0).cast(pl.Float64),
        pl.col("tenants_below_scale").fill_null(0).cast(pl.Float64),
        pl.when(pl.col("__own_m2").fill_null(0) > 0).then(pl.lit("yes")).otherwise(pl.lit("no")).alias("has_own_land"),
        pl.when(pl.col("__leased_m2").is_not_null()).then(pl.lit("yes")).otherwise(pl.lit("no")).alias("is_tenant"),
    ).drop("__own_m2", "__leased_m2", "__let_m2")


def merge_tenants(firms: pl.DataFrame, fields: list) -> pl.DataFrame:
    """The Suichang rule: add tenants' figures into their host's and give tenants the host's result later.

    Returns firms where each host's `fields` include its tenants' values; tenants keep their own rows and are
    marked with `merged_into` (they are not ranked themselves).
    """
    tenant_sums = firms.filter(pl.col("host_credit_code").is_not_null()) \
        .group_by("host_credit_code").agg([pl.col(f).sum().alias(f"__t_{f}") for f in fields]) \
        .rename({"host_credit_code": "credit_code"})
    merged = firms.join(tenant_sums, on="credit_code", how="left")
    return merged.with_columns(
        [pl.when(pl.col(f"__t_{f}").is_not_null()).then(pl.col(f).fill_null(0) + pl.col(f"__t_{f}"))
         .otherwise(pl.col(f)).alias(f) for f in fields]
        + [pl.col("host_credit_code").alias("merged_into")]
    ).drop([f"__t_{f}" for f in fields])
