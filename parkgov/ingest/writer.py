"""Write checked sheets to the ledger in dependency order, resolving codes to ids; history and provenance kept."""

import polars as pl

from parkgov.codes.thresholds import threshold
from parkgov.errors import InputError
from parkgov.ingest.extensions import EXTENSIONS
from parkgov.ledger.bulk import UpsertCounts, bulk_writes, fetch_frame, upsert
from parkgov.ledger.models import (
    FIGURE_FIELDS, Enterprise, Finding, LandLink, Parcel, ParcelLineage, YearlyFigure, Zone,
)

ORDER = ("园区", "企业", "地块", "用地关系", "年度数据", "检查发现", "地块沿革")
# Sheets whose rows upsert independently of each other, so they can be written a chunk at a time: 园区 resolves
# parents across its rows, and 检查发现 (nulls-equal key) reads the whole stored table on every call.
CHUNKED = {"企业", "地块", "用地关系", "年度数据"}


def write_sheets(*, sheets: dict, submission_id: int, actor_id, reason: str, now, progress=None,
                 chunk_rows=None) -> dict:
    """Upsert every sheet in `sheets` (name → typed frame); returns counts per sheet. Caller owns the transaction.

    Sheets in CHUNKED go in `chunk_rows` rows at a time (default: thresholds.csv `import_chunk_rows`).
    """
    counts = {}
    writers = {"园区": _zones, "企业": _enterprises, "地块": _parcels, "用地关系": _links,
               "年度数据": _yearly, "检查发现": _findings, "地块沿革": _lineage}
    common = {"actor_id": actor_id, "reason": reason, "now": now}
    writers.update({name: ext.write for name, ext in EXTENSIONS.items()})
    size = chunk_rows or int(threshold("import_chunk_rows"))
    with bulk_writes():
        for name in (*ORDER, *EXTENSIONS):
            if name in sheets:
                frame = sheets[name].drop("__row")
                step = size if name in CHUNKED else max(frame.height, 1)
                total = UpsertCounts()
                for start in range(0, max(frame.height, 1), step):
                    total.add(writers[name](frame.slice(start, step), submission_id=submission_id, **common))
                counts[name] = total.as_dict()
                if progress:
                    progress(name, frame.height)
    return counts


def _id_map(model, field, values) -> pl.DataFrame:
    return fetch_frame(model, columns=[field], where_column=field, values=sorted(set(values)))


def _resolve(frame, column, model, field, target):
    """Replace the code column `column` with the id column `target` of `model` looked up by `field`."""
    if column not in frame.columns:
        return frame
    ids = _id_map(model, field, frame.get_column(column).drop_nulls().unique().to_list())
    ids = ids.rename({"id": target, field: column})
    return frame.join(ids, on=column, how="left").drop(column)


def _zones(frame, *, submission_id, **common):
    total = UpsertCounts()
    if "parent" not in frame.columns:
        return upsert(model=Zone, frame=frame, key=["code"], **common)
    remaining = frame
    while remaining.height:
        stored = set(fetch_frame(Zone, columns=["code"]).get_column("code").to_list())
        ready = remaining.filter(pl.col("parent").is_null() | pl.col("parent").is_in(sorted(stored)))
        if ready.height == 0:
            codes = "、".join(remaining.get_column("code").to_list()[:10])
            raise InputError(f"园区的上级关系形成循环，无法写入：{codes}")
        batch = _resolve(ready, "parent", Zone, "code", "parent_id")
        total.add(upsert(model=Zone, frame=batch, key=["code"], **common))
        remaining = remaining.filter(~pl.col("code").is_in(ready.get_column("code").to_list()))
    return total


def _enterprises(frame, *, submission_id, **common):
    frame = _resolve(frame, "zone", Zone, "code", "zone_id")
    return upsert(model=Enterprise, frame=frame, key=["credit_code"], **common)


def _parcels(frame, *, submission_id, **common):
    frame = _resolve(frame, "zone", Zone, "code", "zone_id")
    if "land_code" in frame.columns:
        frame = frame.with_columns(pl.col("land_code").str.slice(19).replace("", None).alias("unit_code_suffix"),
                                   pl.col("land_code").str.slice(0, 19))
    if "code_provisional" in frame.columns:  # 是/否 in the sheet; blank: 否 for a new parcel, the stored flag kept
        stored = _id_map(Parcel, "code", frame.get_column("code").to_list()).get_column("code").to_list()
        flag = pl.col("code_provisional").replace_strict({"yes": True, "no": False}, default=None,
                                                         return_dtype=pl.Boolean)
        frame = frame.with_columns(pl.when(flag.is_null() & ~pl.col("code").is_in(stored)).then(False)
                                   .otherwise(flag).alias("code_provisional"))
    return upsert(model=Parcel, frame=frame, key=["code"], **common)


def _links(frame, *, submission_id, **common):
    frame = _resolve(frame, "enterprise", Enterprise, "credit_code", "enterprise_id")
    frame = _resolve(frame, "parcel", Parcel, "code", "parcel_id")
    return upsert(model=LandLink, frame=frame, key=["enterprise_id", "parcel_id", "role"], **common)


def _yearly(frame, *, submission_id, **common):
    frame = _resolve(frame, "enterprise", Enterprise, "credit_code", "enterprise_id")
    given = [f for f in FIGURE_FIELDS if f in frame.columns]
    if given:
        parts = [pl.when(pl.col(f).is_not_null()).then(pl.lit(f'"{f}": {submission_id}')) for f in given]
        frame = frame.with_columns(
            (pl.lit("{") + pl.concat_list(parts).list.drop_nulls().list.join(", ") + pl.lit("}")).alias("__provenance"))
    return upsert(model=YearlyFigure, frame=frame, key=["enterprise_id", "year"],
                  merge_json={"provenance": "__provenance"} if given else None, **common)


def _findings(frame, *, submission_id, **common):
    frame = _resolve(frame, "enterprise", Enterprise, "credit_code", "enterprise_id")
    frame = _resolve(frame, "parcel", Parcel, "code", "parcel_id")
    for column in ("enterprise_id", "parcel_id"):
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Int64).alias(column))
    if "description" not in frame.columns:
        frame = frame.with_columns(pl.lit("").alias("description"))
    frame = frame.with_columns(pl.col("description").fill_null(""))
    if "rectifiable" in frame.columns:  # 是/否 in the sheet, a nullable boolean in the ledger
        frame = frame.with_columns(pl.col("rectifiable").replace_strict({"yes": True, "no": False}, default=None,
                                                                         return_dtype=pl.Boolean))
    key = ["enterprise_id", "parcel_id", "department", "category", "found_on", "description"]
    return upsert(model=Finding, frame=frame, key=key, nulls_equal=True, **common)


def _lineage(frame, *, submission_id, **common):
    """地块沿革: the edges between parcels written above (by code), on the key of the lineage_edge constraint."""
    if frame.height == 0:
        return UpsertCounts()
    frame = _resolve(frame, "parent_parcel", Parcel, "code", "parent_id")
    frame = _resolve(frame, "child_parcel", Parcel, "code", "child_id")
    if "note" in frame.columns:
        frame = frame.with_columns(pl.col("note").fill_null(""))
    return upsert(model=ParcelLineage, frame=frame, key=["operation_id", "parent_id", "child_id"], **common)
