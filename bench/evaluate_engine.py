"""Benchmark: the evaluation engine alone on 1,000,000 firms under zj-huangyan-2022 (both populations, ranks,
classes) plus tiers and policies, against a bare Polars scan (the floor) and a row-by-row Python implementation.

Targets (evaluation issue): evaluate() ≤ 3 s on a 2-core machine, and ≥ 50× faster than a straightforward
row-by-row Python implementation measured in the same run. The bare Polars read + sum of the input columns is
printed as the floor no engine can beat.
Usage: python bench/evaluate_engine.py [--firms 1000000] [--sample 100000]

The input is the demo generator's firms, land links, yearly figures and findings turned into the engine's input
frame the way parkgov.evaluation.inputs.firm_inputs does from the ledger (attribute_land included), built once in
a prepare stage and saved as Parquet. The rule set is zj-huangyan-2022 with tiers (亩均税收 5/10/15) and
electricity policies (D +0.3, +0.4 after 3 consecutive years) added in code; the class history of 2023 and 2024
comes from evaluating those years' inputs, so the consecutive-year logic has real streaks to follow.
Each measurement runs in a fresh interpreter so its time and peak memory are its own.
"""

import argparse
import datetime as dt
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import peak_rss_mib, run_stage  # noqa: E402

YEAR = 2025
SEED = 2021
RULESET_ID = "zj-huangyan-2022"
TIERS = {"indicator": "tax_per_mu", "published": False, "bands": [
    {"name": "重点排查（一企一策）", "below": 5}, {"name": "重点检查", "below": 10}, {"name": "重点指导", "below": 15}]}
POLICIES = [
    {"element": "electricity", "name": "D类企业差别化电价加价", "class": "D", "min_consecutive_years": 1,
     "amount": 0.3, "unit": "元/千瓦时", "basis": "electricity_10k_kwh"},
    {"element": "electricity", "name": "连续3年及以上D类企业差别化电价加价", "class": "D", "min_consecutive_years": 3,
     "amount": 0.4, "unit": "元/千瓦时", "basis": "electricity_10k_kwh"},
]
# The input columns the engine reads for this rule set (the scan floor reads and sums exactly these).
NUMERIC_INPUTS = ["land_mu", "tax", "revenue", "output_value", "value_added", "energy_tce", "emissions_t",
                  "employees", "rd_expense", "electricity_10k_kwh", "years_in_production"]
TEXT_INPUTS = ["credit_code", "scale", "industry_division", "zone_code"]
# as parkgov.evaluation.inputs.FINDING_COUNTS (that module needs Django, the engine does not)
FINDING_COUNTS = ["findings_major", "findings_safety_major", "findings_environment_major",
                  "findings_serious_or_major"]


def bench_ruleset():
    """zj-huangyan-2022 as shipped, plus tiers and policies (validated like a YAML file)."""
    import yaml

    from parkgov.evaluation.ruleset import BUILTIN_DIR, RuleSet

    data = yaml.safe_load((BUILTIN_DIR / f"{RULESET_ID}.yaml").read_text(encoding="utf-8"))
    data["id"] = f"{RULESET_ID}-bench"
    data.setdefault("tiers", TIERS)
    data.setdefault("policies", POLICIES)
    data.setdefault("policy_combine", "max")
    return RuleSet.model_validate(data)


def current_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- prepare ---------------------------------------------------------------------------------------------------

def engine_inputs(data, year: int, land_rule):
    """The engine's input frame for `year` from the generator's frames, as firm_inputs builds it from the ledger."""
    import polars as pl

    from parkgov.evaluation.land import attribute_land

    frames = data.frames
    zones = frames["园区"].select(pl.col("code").alias("zone_code"), pl.col("kind").alias("zone_kind"))
    figures = frames["年度数据"].filter(pl.col("year") == year).drop("year").rename({"enterprise": "credit_code"})
    found = frames["检查发现"].filter(pl.col("enterprise").is_not_null() & (pl.col("found_on").dt.year() == year))
    major = pl.col("severity") == "major"
    counts = found.group_by("enterprise").agg(
        major.sum().cast(pl.Float64).alias("findings_major"),
        (major & (pl.col("category") == "safety")).sum().cast(pl.Float64).alias("findings_safety_major"),
        (major & (pl.col("category") == "environment")).sum().cast(pl.Float64).alias("findings_environment_major"),
        pl.col("severity").is_in(["serious", "major"]).sum().cast(pl.Float64).alias("findings_serious_or_major"),
    ).rename({"enterprise": "credit_code"})
    year_end = dt.date(year, 12, 31)
    firms = frames["企业"].with_row_index("enterprise_id").with_columns(pl.col("enterprise_id").cast(pl.Int64)) \
        .rename({"zone": "zone_code"}).join(zones, on="zone_code", how="left") \
        .join(figures, on="credit_code", how="left").with_columns(
            ((pl.lit(year_end) - pl.col("production_start")).dt.total_days() / 365.25).alias("years_in_production"),
            pl.col("industry_code").str.slice(0, 2).alias("industry_division"),
        ).join(counts, on="credit_code", how="left").with_columns([pl.col(c).fill_null(0.0) for c in FINDING_COUNTS])
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    parcels = frames["地块"].select(pl.col("code").alias("parcel_code"),
                                   pl.col("registered_area_m2").alias("parcel_area_m2"),
                                   pl.col("floor_area_m2").alias("parcel_floor_area_m2"))
    links = frames["用地关系"].filter((pl.col("start_date").is_null() | (pl.col("start_date") <= end))
                                  & (pl.col("end_date").is_null() | (pl.col("end_date") >= start))) \
        .rename({"enterprise": "credit_code", "parcel": "parcel_code"}).join(parcels, on="parcel_code", how="left") \
        .select("credit_code", "parcel_code", "role", "land_area_m2", "floor_area_m2", "parcel_area_m2",
                "parcel_floor_area_m2")
    return attribute_land(firms, links, land_rule).sort("credit_code")


def stage_prepare(args):
    import polars as pl

    from parkgov.demo.generator import generate
    from parkgov.evaluation.engine import evaluate

    ruleset = bench_ruleset()
    started = time.perf_counter()
    data = generate(enterprises=args.firms, seed=SEED)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    inputs = {year: engine_inputs(data, year, ruleset.land) for year in (YEAR - 2, YEAR - 1, YEAR)}
    built = time.perf_counter() - started
    del data
    history = pl.DataFrame(schema={"credit_code": pl.String, "year": pl.Int64, "klass": pl.String})
    for year in (YEAR - 2, YEAR - 1):
        results = evaluate(inputs[year], ruleset, year=year, history=history).results
        history = pl.concat([history, results.select("credit_code", pl.lit(year, dtype=pl.Int64).alias("year"),
                                                     "klass")])
    out = Path(args.dir)
    inputs[YEAR].write_parquet(out / "firms.parquet")
    history.write_parquet(out / "history.parquet")
    print(f"source=demo generator generate(enterprises={args.firms}, seed={SEED}) + attribute_land")
    print(f"generate_seconds={generated:.3f}")
    print(f"inputs_seconds={built:.3f}")
    print(f"firms={inputs[YEAR].height}")
    print(f"columns={inputs[YEAR].width}")
    print(f"history_rows={history.height}")
    print(f"peak_mib={peak_rss_mib():.0f}")


# --- engine ----------------------------------------------------------------------------------------------------

def stage_engine(args):
    import polars as pl

    from parkgov.evaluation.engine import evaluate

    ruleset = bench_ruleset()
    firms = pl.read_parquet(Path(args.dir) / "firms.parquet")
    history = pl.read_parquet(Path(args.dir) / "history.parquet")
    before = current_rss_mib()
    times, cpu = [], []
    for _ in range(args.repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        outcome = evaluate(firms, ruleset, year=YEAR, history=history, explain=args.explain)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    results = outcome.results
    print(f"first_seconds={times[0]:.3f}")
    print(f"seconds={min(times):.3f}")
    print(f"cpu_seconds={cpu[times.index(min(times))]:.3f}")
    print("all_seconds=" + " ".join(f"{t:.2f}" for t in times))
    print(f"firms={results.height}")
    print(f"input_mib={before:.0f}")
    print(f"peak_mib={peak_rss_mib():.0f}")
    summary = results.group_by("klass").len().sort("klass").rows()
    print("classes=" + ",".join(f"{k}:{n}" for k, n in summary))
    print(f"tiered={results.get_column('tier').is_not_null().sum()}")
    print(f"charged={results.get_column('policies').list.len().gt(0).sum()}")
    print(f"streak3={(results.get_column('consecutive_years') >= 3).sum()}")


# --- scan floor ------------------------------------------------------------------------------------------------

def stage_scan(args):
    import polars as pl

    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        sums = pl.scan_parquet(Path(args.dir) / "firms.parquet").select(
            *[pl.col(c).sum() for c in NUMERIC_INPUTS],
            *[pl.col(c).str.len_bytes().sum() for c in TEXT_INPUTS]).collect()
        times.append(time.perf_counter() - started)
    print(f"seconds={min(times):.3f}")
    print("all_seconds=" + " ".join(f"{t:.3f}" for t in times))
    print(f"columns={sums.width}")
    print(f"peak_mib={peak_rss_mib():.0f}")


# --- row-by-row Python -----------------------------------------------------------------------------------------

_TESTS = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
          "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
          "in": lambda a, b: a in b, "not_in": lambda a, b: a not in b}


def matches(condition, row) -> bool:
    if condition is None:
        return True
    if condition.all is not None:
        return all(matches(c, row) for c in condition.all)
    if condition.any is not None:
        return any(matches(c, row) for c in condition.any)
    if condition.not_ is not None:
        return not matches(condition.not_, row)
    value = row.get(condition.field)
    if condition.op == "is_null":
        return value is None
    if condition.op == "not_null":
        return value is not None
    return value is not None and _TESTS[condition.op](value, condition.value)


def rowwise_evaluate(rows: list, ruleset, year: int, history: dict) -> dict:
    """The same Huangyan scoring, one firm at a time in plain Python: population, not-rated reason, indicator
    values, ratio scores (population mean score where missing), total, sort + rank + class bands, tier, policy.

    Only what this rule set uses (ratio scoring with fixed benchmarks, rank bands on the published total, no
    adjustments or vetoes).
    Returns credit_code → (total, klass, rank, tier, charge_total).
    """
    from parkgov.evaluation.engine import NO_FIGURES, NOT_IN_POPULATION

    members = {p.id: [] for p in ruleset.populations}
    firms = []
    for row in rows:
        population = next((p for p in ruleset.populations if matches(p.filter, row)), None)
        reason = None if population else NOT_IN_POPULATION
        if all(row.get(c) is None for c in ("tax", "revenue", "value_added", "output_value")):
            reason = NO_FIGURES
        for rule in ruleset.not_rated:
            if matches(rule.when, row):
                reason = rule.reason
                break
        values = {}
        for key, indicator in ruleset.indicators.items():
            numerator = row.get(indicator.numerator)
            denominator = row.get(indicator.denominator) if indicator.denominator else 1.0
            value = None
            if numerator is not None and denominator is not None and denominator != 0:
                value = numerator / denominator if indicator.denominator else numerator
                value = value * indicator.factor
                if not math.isfinite(value):
                    value = None
            values[key] = value
        firm = {"credit_code": row["credit_code"], "row": row, "values": values, "reason": reason, "scores": {},
                "total": None, "klass": "T", "rank": None}
        firms.append(firm)
        if population is not None and reason is None:
            members[population.id].append(firm)
    for population in ruleset.populations:
        group = members[population.id]
        for item in population.indicators:
            benchmark = item.benchmark.value * item.benchmark.k
            known = []
            for firm in group:
                value = firm["values"][item.indicator]
                score = None
                if value is not None:
                    ratio = value / benchmark
                    if item.cap is not None:
                        ratio = min(ratio, item.cap)
                    score = ratio * item.weight
                    if item.floor is not None:
                        score = max(score, item.floor * item.weight)
                    known.append(score)
                firm["scores"][item.indicator] = score
            fill = 0.0
            if item.missing == "population_mean_score" and known:
                fill = sum(known) / len(known)
            for firm in group:
                if firm["scores"][item.indicator] is None:
                    firm["scores"][item.indicator] = fill
        first = population.indicators[0].indicator
        for firm in group:
            total = None
            for item in population.indicators:
                score = firm["scores"][item.indicator]
                total = score if total is None else total + score
            firm["total"] = total + 0.0 - 0.0
        # ranked on the total as published (rounded as Polars rounds: the scaled value to the nearest even)
        scale = 10 ** ruleset.publication.score_decimals if ruleset.publication else None
        published = (lambda t: round(t * scale) / scale) if scale else (lambda t: t)
        group.sort(key=lambda f: (-published(f["total"]), f["values"][first] is None, -(f["values"][first] or 0.0),
                                  f["credit_code"]))
        bands = population.classes.bands
        for rank, firm in enumerate(group, start=1):
            percentile = rank / len(group) * 100
            firm["rank"] = rank
            firm["klass"] = next((b.klass for b in bands[:-1] if percentile <= b.upper_percent + 1e-9),
                                 bands[-1].klass)
    earliest = min((y for _c, y in history), default=year)
    out = {}
    for firm in firms:
        code, klass = firm["credit_code"], firm["klass"]
        value = firm["values"][ruleset.tiers.indicator]
        tier = None
        if value is not None:
            tier = next((b.name for b in ruleset.tiers.bands if value < b.below), None)
        streak, still = 1, True
        for back in range(1, year - earliest + 1):
            still = still and history.get((code, year - back)) == klass
            streak += still
        amount = None
        for policy in ruleset.policies:
            if klass == policy.klass and streak >= policy.min_consecutive_years:
                amount = policy.amount if amount is None else max(amount, policy.amount)
        basis = firm["row"].get(ruleset.policies[0].basis)
        charge = amount * basis if amount is not None and basis is not None else None
        out[code] = (firm["total"], klass, firm["rank"], tier, charge or 0.0)
    return out


def stage_rowwise(args):
    import polars as pl

    from parkgov.evaluation.engine import evaluate

    ruleset = bench_ruleset()
    firms = pl.read_parquet(Path(args.dir) / "firms.parquet")
    history = pl.read_parquet(Path(args.dir) / "history.parquet")
    sample = firms.sample(n=min(args.sample, firms.height), seed=SEED, shuffle=True)
    sample_history = history.join(sample.select("credit_code"), on="credit_code", how="semi")
    started = time.perf_counter()
    rows = sample.to_dicts()
    history_map = {(c, y): k for c, y, k in sample_history.iter_rows()}
    convert = time.perf_counter() - started
    times, cpu = [], []
    for _ in range(args.rowwise_repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        mine = rowwise_evaluate(rows, ruleset, YEAR, history_map)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    seconds = min(times)
    started = time.perf_counter()
    engine = evaluate(sample, ruleset, year=YEAR, history=sample_history).results
    engine_seconds = time.perf_counter() - started
    worst, klass_diff, rank_diff, tier_diff, charge_diff = 0.0, 0, 0, 0, 0
    for code, total, klass, rank, tier, charge in engine.select(
            "credit_code", "total", "klass", "rank", "tier", pl.col("charge_total").fill_null(0.0)).iter_rows():
        r_total, r_klass, r_rank, r_tier, r_charge = mine[code]
        if (total is None) != (r_total is None):
            worst = math.inf
        elif total is not None:
            worst = max(worst, abs(total - r_total))
        klass_diff += klass != r_klass
        rank_diff += rank != r_rank
        tier_diff += tier != r_tier
        charge_diff += abs(charge - r_charge) > 1e-9
    print(f"sample={sample.height}")
    print(f"seconds={seconds:.3f}")
    print(f"cpu_seconds={cpu[times.index(seconds)]:.3f}")
    print("all_seconds=" + " ".join(f"{t:.2f}" for t in times))
    print(f"per_firm_us={seconds / sample.height * 1e6:.2f}")
    print(f"extrapolated_seconds={seconds * firms.height / sample.height:.3f}")
    print(f"to_dicts_seconds={convert:.3f}")
    print(f"engine_sample_seconds={engine_seconds:.3f}")
    print(f"max_total_diff={worst:.3g}")
    print(f"mismatches=class {klass_diff}, rank {rank_diff}, tier {tier_diff}, charge {charge_diff}")
    print(f"same={'yes' if worst <= 1e-9 and not (klass_diff or rank_diff or tier_diff or charge_diff) else 'NO'}")
    print(f"peak_mib={peak_rss_mib():.0f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--firms", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=100_000, help="firms for the row-wise run (extrapolated)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of evaluate() and of the scan (best counts)")
    parser.add_argument("--rowwise-repeat", type=int, default=2, help="runs of the row-wise code (best counts)")
    parser.add_argument("--databases", help="ignored: the engine uses no database (accepted for run_all.py)")
    parser.add_argument("--stage")
    parser.add_argument("--dir")
    parser.add_argument("--no-explain", dest="explain", action="store_false",
                        help="skip the per-indicator explanation texts in evaluate()")
    args = parser.parse_args()
    if args.stage:
        return {"prepare": stage_prepare, "engine": stage_engine, "scan": stage_scan,
                "rowwise": stage_rowwise}[args.stage](args)
    script = Path(__file__)
    folder = tempfile.mkdtemp(prefix="parkgov-bench-")
    print(f"# evaluation engine benchmark, {args.firms:,} firms, {RULESET_ID} + tiers + policies, year {YEAR}")
    print(f"# shared machine ({os.cpu_count()} cores): other work may run at the same time, so each stage runs its "
          f"measurement several times in one fresh interpreter and the best counts (all runs in brackets); load "
          f"average at start {os.getloadavg()[1]:.1f}")
    prep = run_stage(script, "--stage", "prepare", "--firms", str(args.firms), "--dir", folder)
    print(f"input     {prep['source']}: {int(prep['firms']):,} firms × {prep['columns']} columns, "
          f"{int(prep['history_rows']):,} history rows (generate {float(prep['generate_seconds']):.1f} s, "
          f"inputs {float(prep['inputs_seconds']):.1f} s, {prep['peak_mib']} MiB; not timed below)")
    scan = run_stage(script, "--stage", "scan", "--dir", folder, "--repeat", str(args.repeat))
    engine = run_stage(script, "--stage", "engine", "--dir", folder, "--repeat", str(args.repeat))
    bare = run_stage(script, "--stage", "engine", "--dir", folder, "--repeat", str(args.repeat), "--no-explain")
    print(f"engine without explanation texts: {float(bare['seconds']):.3f} s (CPU {float(bare['cpu_seconds']):.2f} s)")
    rowwise = run_stage(script, "--stage", "rowwise", "--dir", folder, "--sample", str(args.sample),
                        "--rowwise-repeat", str(args.rowwise_repeat))
    print(f"scan      bare Polars read + sum of {scan['columns']} input columns: {float(scan['seconds']):.3f} s "
          f"[{scan['all_seconds']}] ({scan['peak_mib']} MiB peak)")
    print(f"engine    evaluate(): {float(engine['seconds']):.3f} s [{engine['all_seconds']}; first run "
          f"{engine['first_seconds']} s], {engine['cpu_seconds']} s CPU; input frame {engine['input_mib']} MiB, "
          f"peak {engine['peak_mib']} MiB | classes {engine['classes']} | tiered {engine['tiered']} | "
          f"policy charged {engine['charged']} | ≥3 years in class {engine['streak3']}")
    print(f"rowwise   pure Python on a {int(rowwise['sample']):,}-firm sample: {float(rowwise['seconds']):.2f} s "
          f"[{rowwise['all_seconds']}], {rowwise['cpu_seconds']} s CPU ({rowwise['per_firm_us']} µs/firm; "
          f"to_dicts {rowwise['to_dicts_seconds']} s not counted), extrapolated "
          f"linearly to {int(prep['firms']):,} firms: {float(rowwise['extrapolated_seconds']):.1f} s (sorting is "
          f"n log n, so this flatters the row-wise side) | vs engine on the same sample: max |Δtotal| "
          f"{rowwise['max_total_diff']}, {rowwise['mismatches']} → same results: {rowwise['same']}")
    seconds = float(engine["seconds"])
    ratio = seconds / float(scan["seconds"])
    speedup = float(rowwise["extrapolated_seconds"]) / seconds
    print(f"summary   engine {seconds:.2f} s for {int(engine['firms']):,} firms ({engine['peak_mib']} MiB peak) | "
          f"{ratio:.1f}× the bare scan | {speedup:.0f}× faster than row-wise Python | targets ≤3 s: "
          f"{'OK' if seconds <= 3 else 'MISSED'}, ≥50× row-wise: {'OK' if speedup >= 50 else 'MISSED'}, "
          f"row-wise check: {'OK' if rowwise['same'] == 'yes' else 'MISSED'} | load average {os.getloadavg()[1]:.1f}")


if __name__ == "__main__":
    main()
