"""Benchmark: building the demo zone (generate + write with history) for 1,500 and 100,000 firms.

Targets (issue 2): 1,500 firms ≤ 30 s. The generator alone is measured in the same run as the baseline.
Usage: python bench/demo_build.py [--sizes 1500,100000] [--databases sqlite,postgres]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import fresh_database, peak_rss_mib, run_stage, setup_django  # noqa: E402


def stage_generate(args):
    from parkgov.demo.generator import generate

    started = time.perf_counter()
    data = generate(enterprises=args.size, seed=2021)
    print(f"seconds={time.perf_counter() - started:.3f}")
    print(f"parcels={data.frames['地块'].height}")
    print(f"peak_mib={peak_rss_mib():.0f}")


def stage_build(args):
    setup_django()
    from parkgov.audit.context import system_user
    from parkgov.demo.services import build_demo

    started = time.perf_counter()
    build_demo(enterprises=args.size, seed=2021, actor=system_user("bench"))
    print(f"seconds={time.perf_counter() - started:.3f}")
    print(f"peak_mib={peak_rss_mib():.0f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1500,100000")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--stage")
    parser.add_argument("--size", type=int)
    args = parser.parse_args()
    if args.stage:
        return {"generate": stage_generate, "build": stage_build}[args.stage](args)
    script = Path(__file__)
    print("# demo build benchmark (generate + validate-free write of all sheets with history and geometry)")
    for size in [int(s) for s in args.sizes.split(",")]:
        gen = run_stage(script, "--stage", "generate", "--size", str(size))
        for kind in args.databases.split(","):
            build = run_stage(script, "--stage", "build", "--size", str(size), database_url=fresh_database(kind))
            ratio = float(build["seconds"]) / max(float(gen["seconds"]), 1e-3)
            target = " | target ≤30 s: " + ("OK" if float(build["seconds"]) <= 30 else "MISSED") if size <= 1500 else ""
            print(f"{size:>9,} firms {kind:9s} generate {float(gen['seconds']):6.2f} s ({gen['peak_mib']} MiB) | "
                  f"build {float(build['seconds']):7.2f} s ({build['peak_mib']} MiB peak) | "
                  f"{ratio:5.1f}× generate | parcels {gen['parcels']}{target}")


if __name__ == "__main__":
    main()
