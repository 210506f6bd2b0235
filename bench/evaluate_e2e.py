"""Benchmark: an evaluation end to end from the database (run_evaluation) for 100,000 firms, split into its parts.

No target of its own: the figures show where the time of a stored run goes besides the engine. The prepare stage
builds the demo zone (build_demo) into a fresh database and stores runs for 2023 and 2024, so the measured 2025
run also loads a class history; the run stage then times run_evaluation(year=2025, ruleset_id="zj-huangyan-2022")
once, with the service's steps wrapped by timers (in this process only): load (firm_inputs: the ledger queries
and land attribution), history (class_history_frame), evaluate (the engine), hash (frame_hash of the inputs) and
store (_store_results: the indicator JSON, built as a Polars expression inside the frame, and the bulk insert);
"other" is the rest (rule set, run row, summaries).
Usage: python bench/evaluate_e2e.py [--firms 100000] [--databases sqlite,postgres]
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import fresh_database, peak_rss_mib, run_stage, setup_django, time_steps  # noqa: E402

YEAR = 2025
SEED = 2021
RULESET_ID = "zj-huangyan-2022"
# (label, module, attribute): the steps timed inside run_evaluation
STEPS = (
    ("load", "parkgov.evaluation.services", "firm_inputs"),
    ("load.fetch", "parkgov.evaluation.inputs", "fetch_frame"),
    ("load.land", "parkgov.evaluation.inputs", "attribute_land"),
    ("history", "parkgov.evaluation.services", "class_history_frame"),
    ("evaluate", "parkgov.evaluation.services", "evaluate"),
    ("hash", "parkgov.evaluation.services", "frame_hash"),
    ("store", "parkgov.evaluation.services", "_store_results"),
    ("store.insert", "parkgov.evaluation.services", "insert_rows"),
)


def stage_prepare(args):
    setup_django()
    from parkgov.audit.context import system_user
    from parkgov.demo.services import build_demo
    from parkgov.evaluation.services import run_evaluation

    started = time.perf_counter()
    build_demo(enterprises=args.firms, seed=SEED, actor=system_user("bench"))
    print(f"build_seconds={time.perf_counter() - started:.3f}")
    for year in (YEAR - 2, YEAR - 1):
        started = time.perf_counter()
        run_evaluation(year=year, ruleset_id=RULESET_ID)
        print(f"run_{year}_seconds={time.perf_counter() - started:.3f}")
    print(f"peak_mib={peak_rss_mib():.0f}")


def stage_run(args):
    setup_django()
    from parkgov.evaluation.services import run_evaluation

    spent = time_steps(STEPS)
    started = time.perf_counter()
    run = run_evaluation(year=YEAR, ruleset_id=RULESET_ID)
    total = time.perf_counter() - started
    print(f"seconds={total:.3f}")
    for label, _module, _name in STEPS:
        print(f"{label}_seconds={spent.get(label, 0.0):.3f}")
    top = ("load", "history", "evaluate", "hash", "store")
    print(f"other_seconds={total - sum(spent.get(k, 0.0) for k in top):.3f}")
    print(f"firms={run.firms}")
    print("classes=" + ",".join(f"{k}:{n}" for k, n in sorted(
        {k: sum(v.get(k, 0) for v in run.summary.values()) for k in "ABCDT"}.items())))
    print(f"peak_mib={peak_rss_mib():.0f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--stage")
    args = parser.parse_args()
    if args.stage:
        return {"prepare": stage_prepare, "run": stage_run}[args.stage](args)
    script = Path(__file__)
    print(f"# evaluation end to end from the database, {args.firms:,} firms, {RULESET_ID}, year {YEAR}")
    print(f"# shared machine ({os.cpu_count()} cores): other work may run at the same time; each figure is one run; "
          f"load average at start {os.getloadavg()[1]:.1f}")
    for kind in args.databases.split(","):
        url = fresh_database(kind)
        prep = run_stage(script, "--stage", "prepare", "--firms", str(args.firms), database_url=url)
        res = run_stage(script, "--stage", "run", database_url=url)
        s = {k.removesuffix("_seconds"): float(v) for k, v in res.items() if k.endswith("_seconds")}
        s["total"] = float(res["seconds"])
        print(f"{kind:9s} prepare (not timed below): build_demo {float(prep['build_seconds']):.1f} s, stored runs "
              f"{YEAR - 2} {float(prep[f'run_{YEAR - 2}_seconds']):.1f} s and {YEAR - 1} "
              f"{float(prep[f'run_{YEAR - 1}_seconds']):.1f} s ({prep['peak_mib']} MiB peak)")
        print(f"{kind:9s} run_evaluation {s['total']:.2f} s for {int(res['firms']):,} firms "
              f"({res['peak_mib']} MiB peak) | "
              f"load {s['load']:.2f} s (queries {s['load.fetch']:.2f}, land {s['load.land']:.2f}) | "
              f"history {s['history']:.2f} s | evaluate {s['evaluate']:.2f} s | hash {s['hash']:.2f} s | "
              f"store {s['store']:.2f} s (insert {s['store.insert']:.2f}) | "
              f"other {s['other']:.2f} s | classes {res['classes']} | load average {os.getloadavg()[1]:.1f}")
        if kind == "postgres":
            drop_database(url)


def drop_database(url: str):
    """Drop a benchmark database made by fresh_database (100,000 firms take room on a shared cluster)."""
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")


if __name__ == "__main__":
    main()
