"""The supply review run: the 达产复核 of every contract and the idle-land status of every supplied parcel, as of
a date, stored like an evaluation run (rules hash, input hash) with one check per contract and per parcel.

`run_review` loads each table with one query, calls the pure engines (commitment_engine, idle_engine) and writes
the checks in bulk. The caller owns the transaction.
"""

import datetime as dt
import hashlib
import importlib.util

import polars as pl

from parkgov.accounts.scopes import with_children
from parkgov.errors import InputError
from parkgov.ledger.bulk import fetch_frame
from parkgov.ledger.models import Parcel, YearlyFigure, Zone
from parkgov.supply import commitment_engine
from parkgov.supply.contract_rules import breach_rules, indicator_set, rules_hash
from parkgov.supply.models import CommitmentCheck, Contract, IdleCheck, IdleException, ReviewRun

HAS_IDLE = importlib.util.find_spec("parkgov.supply.idle_engine") is not None
CONTRACT_FIELDS = ("id", "number", "parcel_id", "enterprise_id", "signed_on", "agreed_start", "agreed_completion",
                   "agreed_production", "actual_start", "actual_completion", "breach_rule", "total_investment",
                   "invested", "developed_area_m2", "stopped_on", "indicators")
PARCEL_FIELDS = ["code", "zone_id", "supply_status", "supply_date", "land_price", "registered_area_m2",
                 "floor_area_m2", "footprint_area_m2", "ended_on"]
FIGURE_FIELDS = ["enterprise_id", "year", *commitment_engine.YEARLY_FIELDS]


def _zone_ids(zone_code):
    if not zone_code:
        return None
    zone = Zone.objects.filter(code=zone_code).first()
    if zone is None:
        raise InputError(f"园区编码不存在：{zone_code}")
    return with_children([zone.pk]), zone


def load_frames(*, on: dt.date, year: int, zone_ids=None) -> dict:
    """The engines' inputs, one query per table (parcels, contracts, figures, earlier checks, exceptions)."""
    parcels = fetch_frame(Parcel, columns=PARCEL_FIELDS, where_column="zone_id" if zone_ids else None,
                          values=list(zone_ids) if zone_ids else None)
    parcel_ids = parcels.get_column("id").to_list()
    rows = list(Contract.objects.filter(parcel_id__in=parcel_ids).values_list(*CONTRACT_FIELDS)) if parcel_ids else []
    types = {"id": pl.Int64, "number": pl.String, "parcel_id": pl.Int64, "enterprise_id": pl.Int64,
             "breach_rule": pl.String}
    schema = {f: types.get(f, pl.Float64 if f in ("total_investment", "invested", "developed_area_m2") else pl.Date)
              for f in CONTRACT_FIELDS[:-1]}
    contracts = pl.DataFrame([r[:-1] for r in rows], schema=schema, orient="row")
    commitments = pl.DataFrame([(r[0], code, float(value)) for r in rows for code, value in (r[-1] or {}).items()
                                if value is not None],
                               schema={"contract_id": pl.Int64, "code": pl.String, "committed": pl.Float64},
                               orient="row")
    firm_ids = contracts.get_column("enterprise_id").drop_nulls().unique().to_list()
    figures = fetch_frame(YearlyFigure, columns=FIGURE_FIELDS, where_column="enterprise_id", values=firm_ids) \
        .filter(pl.col("year") <= year) if firm_ids else pl.DataFrame(schema={f: pl.Float64 for f in FIGURE_FIELDS})
    earlier = list(CommitmentCheck.objects.filter(run__as_of__lt=on, contract_id__in=contracts.get_column("id").to_list())
                   .values_list("contract_id", "failures", "rectify_by", "run__as_of", "run_id")) if rows else []
    previous = pl.DataFrame(earlier, schema={"contract_id": pl.Int64, "failures": pl.Int64, "rectify_by": pl.Date,
                                             "as_of": pl.Date, "run_id": pl.Int64}, orient="row") \
        .sort(["contract_id", "as_of", "run_id"]).unique("contract_id", keep="last", maintain_order=True)
    exceptions = list(IdleException.objects.filter(parcel_id__in=parcel_ids).values_list(
        "id", "parcel_id", "contract_id", "cause", "reason", "article", "starts_on", "ends_on", "extended_start")) \
        if parcel_ids else []
    exceptions = pl.DataFrame(exceptions, schema={"id": pl.Int64, "parcel_id": pl.Int64, "contract_id": pl.Int64,
                                                  "cause": pl.String, "reason": pl.String, "article": pl.String,
                                                  "starts_on": pl.Date, "ends_on": pl.Date, "extended_start": pl.Date},
                              orient="row")
    return {"parcels": parcels, "contracts": contracts, "commitments": commitments, "figures": figures,
            "previous": previous.drop("as_of", "run_id"), "exceptions": exceptions}


def input_hash(frames: dict) -> str:
    """SHA-256 of the input frames, sorted, so the same ledger gives the same hash."""
    digest = hashlib.sha256()
    for name in sorted(frames):
        frame = frames[name]
        digest.update(name.encode())
        digest.update(frame.sort(frame.columns).write_csv().encode())
    return digest.hexdigest()


def _idle_rules():
    from parkgov.supply.idle_rules import idle_rules

    return idle_rules()


def full_rules_hash() -> str:
    """The 标准地 rules' hash, with the idle-land rules' when that engine is installed."""
    if not HAS_IDLE:
        return rules_hash()
    idle = _idle_rules()
    payload = rules_hash() + (idle.model_dump_json() if hasattr(idle, "model_dump_json") else repr(idle))
    return hashlib.sha256(payload.encode()).hexdigest()


def evaluate(frames: dict, *, on: dt.date, year: int) -> tuple:
    """(commitment results, idle results or None) from loaded frames (pure)."""
    # a contract stays on the parcel it was signed for, ended by a split or merge or not; idle land is judged on the
    # parcels as they are today (an ended parcel's land is its successors')
    current = frames["parcels"].filter(pl.col("ended_on").is_null()).drop("ended_on")
    parcels = frames["parcels"].drop("ended_on")
    contracts = frames["contracts"].rename({"id": "contract_id"}).join(
        parcels.select(pl.col("id").alias("parcel_id"), "zone_id"), on="parcel_id", how="inner")
    commitments = commitment_engine.evaluate(
        contracts=contracts, commitments=frames["commitments"], parcels=parcels.rename({"id": "parcel_id"}),
        figures=frames["figures"], previous=frames["previous"], indicators=indicator_set(), rules=breach_rules(),
        on=on, year=year)
    idle = None
    if HAS_IDLE:
        from parkgov.supply import idle_engine

        idle = idle_engine.evaluate(parcels=current, contracts=frames["contracts"], exceptions=frames["exceptions"],
                                    rules=_idle_rules(), on=on)
    return commitments, idle


def run_review(*, on: dt.date, year: int, actor, zone_code=None) -> ReviewRun:
    """Run and store the review as of `on` with the figures of `year` (all zones, or `zone_code` and its parks)."""
    if on.year < year:
        raise InputError(f"数据年度 {year} 晚于复核基准日 {on:%Y-%m-%d}")
    zone_ids, zone = _zone_ids(zone_code) if zone_code else (None, None)
    frames = load_frames(on=on, year=year, zone_ids=zone_ids)
    commitments, idle = evaluate(frames, on=on, year=year)
    run = ReviewRun.objects.create(as_of=on, year=year, zone=zone, rules_hash=full_rules_hash(),
                                   input_hash=input_hash(frames), actor=actor)
    CommitmentCheck.objects.bulk_create(
        [CommitmentCheck(run=run, contract_id=r["contract_id"], parcel_id=r["parcel_id"],
                         enterprise_id=r["enterprise_id"], zone_id=r["zone_id"], status=r["status"],
                         indicators=list(r["indicators"] or []), damages=r["damages"],
                         formula=r["formula"] or "", next_step=r["next_step"] or "", rectify_by=r["rectify_by"],
                         failures=r["failures"] or 0, reasons=list(r["reasons"] or []))
         for r in commitments.iter_rows(named=True)], batch_size=1000)
    if idle is not None:
        IdleCheck.objects.bulk_create(
            [IdleCheck(run=run, parcel_id=r["parcel_id"], contract_id=r["contract_id"], zone_id=r["zone_id"],
                       status=r["status"], idle_on=r["idle_on"], recover_on=r["recover_on"],
                       days_to_next=r["days_to_next"], fee=r["fee"], formula=r["formula"] or "",
                       government_caused=bool(r["government_caused"]), reasons=list(r["reasons"] or []))
             for r in idle.iter_rows(named=True)], batch_size=1000)
    run.summary = summary(commitments, idle)
    run.save(update_fields=["summary"])
    return run


def summary(commitments: pl.DataFrame, idle) -> dict:
    """Counts by status and the totals of damages and idle fees (万元)."""
    counts = dict(commitments.group_by("status").len().iter_rows())
    out = {"commitments": counts, "contracts": commitments.height,
           "damages": round(float(commitments.get_column("damages").fill_null(0).sum()), 2)}
    if idle is not None:
        out["idle"] = dict(idle.group_by("status").len().iter_rows())
        out["parcels"] = idle.height
        out["fees"] = round(float(idle.get_column("fee").fill_null(0).sum()), 2)
    return out
