"""Benchmark: an evaluation end to end from the database (run_evaluation) for 100,000 firms, split into its parts.

Targets (issue 17 §4): ≤ 5 s for 100,000 firms on SQLite and PostgreSQL; 1,000,000 firms on PostgreSQL ≤ 60 s with a
peak RSS ≤ 4 GB. The figures show where the time of a stored run goes besides the engine. The prepare stage
builds the demo zone (build_demo) into a fresh database and stores runs for 2023 and 2024, so the measured 2025
run also loads a class history; the run stage then times run_evaluation(year=2025, ruleset_id="zj-huangyan-2022")
once, with the service's steps wrapped by timers (in this process only): load (firm_inputs: the ledger queries
and land attribution), history (class_history_frame), evaluate (the engine), hash (frame_hash of the inputs) and
store (_store_results: the indicator JSON, built as a Polars expression inside the frame, and the bulk insert) and
commit (deferred foreign-key checks run then, and SQLite writes its pages); "other" is the rest (rule set, run row,
summaries).
Each step shows its wall time, the CPU time of this process and, on PostgreSQL, the CPU time of the connection's
server backend (read from /proc: the benchmark's server runs on this machine), so that runs on a loaded machine
compare.
Usage: python bench/evaluate_e2e.py [--firms 100000] [--databases sqlite,postgres]
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    backend_cpu_clock, fresh_database, peak_rss_mib, run_stage, setup_django, time_steps)

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
    from django.db import connections

    from parkgov.evaluation.services import run_evaluation

    clocks = {"cpu": time.process_time}
    database_cpu = backend_cpu_clock()
    if database_cpu:
        clocks["db"] = database_cpu
    spent = time_steps(STEPS, clocks)
    connection = connections["default"]
    connection.commit = _timed_commit(connection.commit, spent, clocks)
    started = {name: clock() for name, clock in {"": time.perf_counter, **clocks}.items()}
    run = run_evaluation(year=YEAR, ruleset_id=RULESET_ID)
    total = time.perf_counter() - started[""]
    print(f"seconds={total:.3f}")
    for name, clock in clocks.items():
        print(f"total@{name}_seconds={clock() - started[name]:.3f}")
    for label in [label for label, _module, _name in STEPS] + ["commit"]:
        for suffix in ["", *(f"@{name}" for name in clocks)]:
            print(f"{label}{suffix}_seconds={spent.get(label + suffix, 0.0):.3f}")
    top = ("load", "history", "evaluate", "hash", "store", "commit")
    print(f"other_seconds={total - sum(spent.get(k, 0.0) for k in top):.3f}")
    print(f"firms={run.firms}")
    print("classes=" + ",".join(f"{k}:{n}" for k, n in sorted(
        {k: sum(v.get(k, 0) for v in run.summary.values()) for k in "ABCDT"}.items())))
    print(f"peak_mib={peak_rss_mib():.0f}")


def _timed_commit(commit, spent, clocks):
    """The connection's commit, timed as the step "commit" (deferred foreign-key checks run then)."""
    clocks = {"": time.perf_counter, **clocks}

    def timed():
        started = {name: clock() for name, clock in clocks.items()}
        try:
            return commit()
        finally:
            for name, clock in clocks.items():
                key = f"commit@{name}" if name else "commit"
                spent[key] = spent.get(key, 0.0) + clock() - started[name]
    return timed


def _part(s: dict, label: str) -> str:
    """'1.23 s' with the step's CPU time in this process and in the PostgreSQL backend when measured."""
    cpu = [f"CPU {s[label + '@cpu']:.2f}"] + ([f"PG {s[label + '@db']:.2f}"] if label + "@db" in s else [])
    return f"{s[label]:.2f} s ({', '.join(cpu)})"


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
        print(f"{kind:9s} run_evaluation {_part(s, 'total')} for {int(res['firms']):,} firms ({res['peak_mib']} MiB "
              f"peak) | load {_part(s, 'load')} (queries {s['load.fetch']:.2f}, land {s['load.land']:.2f}) | "
              f"history {_part(s, 'history')} | evaluate {_part(s, 'evaluate')} | hash {_part(s, 'hash')} | "
              f"store {_part(s, 'store')} (insert {_part(s, 'store.insert')}) | commit {_part(s, 'commit')} | "
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
