"""The governance list 闲置土地 fed by the idle-land engine: parcels idle, to be recovered, idle for a government
cause and about to become idle as of 31 December of the list's year, one sub-list per status (the names are in
supply/data/idle_rules.yaml `list`). Registered into governance.sources from SupplyConfig.ready()."""

import hashlib
import json

import polars as pl

from parkgov.governance.engine import OUTPUT_SCHEMA
from parkgov.governance.sources import ListSource, SourceRef, register_list_source
from parkgov.supply.idle_rules import idle_rules


def register() -> None:
    """Register the 闲置土地 list source (its id, name and department from the rules file)."""
    rules = idle_rules()
    feed = rules.list
    register_list_source(ListSource(
        id=feed.id, version=feed.version, name=feed.name, owner_department=feed.owner_department, subject="parcel",
        source=SourceRef(citation=rules.source.citation, url=rules.source.url), verified=rules.verified,
        entries=idle_entries, digest=lambda: idle_rules().digest, input_digest=input_digest))


def idle_entries(*, year: int, as_of, zone_ids=None) -> pl.DataFrame:
    """The list's entries: one per parcel whose status as of `as_of` has a sub-list, in the list engine's columns."""
    from parkgov.supply.idle import idle_status

    categories = idle_rules().list.categories
    rows = idle_status(on=as_of, zone_ids=zone_ids).filter(pl.col("status").is_in(list(categories)))
    values = pl.concat_str([
        pl.lit('{"idle_on":'), _json_date("idle_on"), pl.lit(',"recover_on":'), _json_date("recover_on"),
        pl.lit(',"days_to_next":'), pl.col("days_to_next").cast(pl.String).fill_null("null"),
        pl.lit(',"fee":'), pl.col("fee").round(4).cast(pl.String).fill_null("null"), pl.lit("}")])
    frame = rows.select(
        subject_key=pl.col("parcel_code"), enterprise_id=pl.lit(None, pl.Int64), parcel_id="parcel_id",
        zone_id="zone_id", category=pl.col("status").replace_strict(categories, return_dtype=pl.String),
        reasons=pl.concat_list([pl.when(pl.col("formula") != "").then(pl.col("formula")), "reasons"])
        .list.drop_nulls(), values=values)
    return frame.select([pl.col(c).cast(t) for c, t in OUTPUT_SCHEMA.items()])


def _json_date(name: str) -> pl.Expr:
    return pl.concat_str([pl.lit('"'), pl.col(name).cast(pl.String), pl.lit('"')]).fill_null("null")


def input_digest(*, year: int, zone_ids=None) -> str:
    """SHA-256 of the engine's inputs (parcels, contracts, exceptions) the list reads."""
    from parkgov.supply.idle import idle_frames

    digest = hashlib.sha256(json.dumps({"year": year, "zones": sorted(zone_ids) if zone_ids else None}).encode())
    for name, frame in sorted(idle_frames(zone_ids=zone_ids).items()):
        digest.update(name.encode())
        digest.update(frame.sort("id").write_csv().encode("utf-8"))
    return digest.hexdigest()
