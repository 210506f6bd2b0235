"""Benchmark: import of a 200,000-row 年度数据 workbook (validate + write) against the bare fastexcel parse.

Targets (issue 2): ≤ 15 s and ≤ 3× the parse of the same file at 200,000 rows; peak memory (issue 13) ≤ 1 GiB
even at 1,000,000 rows: `--rows 1000000 --databases sqlite --workbook /tmp/yearly-1m.xlsx` (the workbook is
written once and reused when it exists; the firms are written to a fresh database on every run).
Usage: python bench/import_yearly.py [--rows 200000] [--databases sqlite,postgres] [--workbook PATH]
Each measurement runs in a fresh interpreter so its peak memory (ru_maxrss) is its own. The import stage wraps
the service's steps with timers (in that process only): file (size, zip and sha256 checks), read (read_workbook:
the fastexcel parse, piece by piece), validate (check_sheet), cross (check_workbook: references to stored firms
and the plausibility rules) and write (write_sheets), split into resolve (credit codes to firm ids), stored (the
stored rows read to diff against), insert (new rows), update (changed rows) and history (simple-history rows,
copied inside the database);
"other" is the rest (submission row, transaction, commit).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import fresh_database, peak_rss_mib, run_stage, setup_django, time_steps  # noqa: E402

YEARS = 3
# (label, module, attribute): the steps timed inside import_workbook; bulk.fetch_frame is the stored-row read of
# upsert and the id read after the insert, so it is counted inside "insert" too
STEPS = (
    ("file", "parkgov.ingest.services", "check_file"),
    ("file.sha256", "parkgov.ingest.services", "file_sha256"),
    ("read", "parkgov.ingest.services", "read_workbook"),
    ("validate", "parkgov.ingest.services", "check_sheet"),
    ("cross", "parkgov.ingest.services", "check_workbook"),
    ("write", "parkgov.ingest.services", "write_sheets"),
    ("write.resolve", "parkgov.ingest.writer", "_resolve"),
    ("write.stored", "parkgov.ledger.bulk", "fetch_frame"),
    ("write.insert", "parkgov.ledger.bulk", "_insert"),
    ("write.update", "parkgov.ledger.bulk", "_update"),
    ("write.history", "parkgov.ledger.bulk", "copy_history"),
)
TOP = ("file", "file.sha256", "read", "validate", "cross", "write")


def stage_prepare(args):
    """Create firms in the database and write the 年度数据 workbook."""
    setup_django()
    from parkgov.audit.context import system_user
    from parkgov.demo.generator import generate
    from parkgov.ingest.export import write_exchange_workbook
    from parkgov.ingest.services import write_frames

    data = generate(enterprises=int(args.rows / YEARS * 1.1) + 10, seed=11)
    yearly = data.frames["年度数据"].head(args.rows)
    if args.workbook and not Path(args.workbook).exists():
        write_exchange_workbook(path=Path(args.workbook), frames={"年度数据": yearly})
    write_frames(frames={"园区": data.frames["园区"], "企业": data.frames["企业"]}, actor=system_user("bench"))
    print(f"rows={yearly.height}")


def stage_parse(args):
    import fastexcel

    started = time.perf_counter()
    reader = fastexcel.read_excel(args.workbook)
    frame = reader.load_sheet("年度数据", dtypes="string").to_polars()
    print(f"seconds={time.perf_counter() - started:.3f}")
    print(f"rows={frame.height}")
    print(f"peak_mib={peak_rss_mib():.0f}")


def stage_import(args):
    setup_django()
    from parkgov.audit.context import system_user
    from parkgov.ingest.services import import_workbook

    spent = time_steps(STEPS)
    actor = system_user("bench")
    started = time.perf_counter()
    report = import_workbook(path=Path(args.workbook), actor=actor, department="tax")
    total = time.perf_counter() - started
    print(f"seconds={total:.3f}")
    for label, _module, _name in STEPS:
        print(f"{label}_seconds={spent.get(label, 0.0):.3f}")
    print(f"other_seconds={total - sum(spent.get(k, 0.0) for k in TOP):.3f}")
    print(f"created={report.written['年度数据']['created']}")
    print(f"peak_mib={peak_rss_mib():.0f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--stage")
    parser.add_argument("--workbook")
    args = parser.parse_args()
    if args.stage:
        return {"prepare": stage_prepare, "parse": stage_parse, "import": stage_import}[args.stage](args)
    workbook = args.workbook or str(Path(tempfile.mkdtemp(prefix="parkgov-bench-")) / "yearly.xlsx")
    script = Path(__file__)
    print(f"# 年度数据 import benchmark, {args.rows:,} rows")
    for kind in args.databases.split(","):
        url = fresh_database(kind)
        run_stage(script, "--stage", "prepare", "--rows", str(args.rows), "--workbook", workbook,
                  database_url=url)
        parse = run_stage(script, "--stage", "parse", "--workbook", workbook)
        result = run_stage(script, "--stage", "import", "--workbook", workbook, database_url=url)
        ratio = float(result["seconds"]) / float(parse["seconds"])
        print(f"{kind:9s} parse {float(parse['seconds']):6.2f} s ({parse['peak_mib']} MiB) | "
              f"import {float(result['seconds']):6.2f} s ({result['peak_mib']} MiB peak) | "
              f"ratio {ratio:4.1f}× parse | rows written {result['created']} | "
              f"targets ≤15 s: {'OK' if float(result['seconds']) <= 15 else 'MISSED'}, "
              f"≤3×: {'OK' if ratio <= 3 else 'MISSED'}, ≤1024 MiB: "
              f"{'OK' if float(result['peak_mib']) <= 1024 else 'MISSED'}")
        print(f"{kind:9s} split: " + " | ".join(f"{label} {float(result[label + '_seconds']):.2f} s"
                                                   for label in (*(s[0] for s in STEPS), "other")))
        if kind == "postgres":
            drop_database(url)


def drop_database(url: str):
    """Drop a benchmark database made by fresh_database (the firms and figures take room on a shared cluster)."""
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")


if __name__ == "__main__":
    main()
