"""Benchmark: a batch of 1,000 一企一档 dossiers (issue 16 §4, target ≤ 60 s) printed as a zip of one PDF per dossier
(`dossier_zip`: the HTML built here while one process per core lays out chunks of dossiers, each chunk written as
one PDF and cut into one per dossier), against the baseline of rendering each dossier as its own PDF one after
the other in one process (a sample, extrapolated linearly to the batch). Besides the wall time, the CPU time per
dossier (this process and its children): the machine is shared, and CPU time is what a loaded machine distorts
least.
With --one-pdf also the whole batch as ONE document (WeasyPrint's layout grows faster than the page count there:
940 s and 5.6 GiB for 1,000 dossiers, measured on a loaded machine).

The ledger is the demo zone (`build_demo`), built once in a fresh SQLite database: by default the ledger alone
(land, figures with their sources, findings, history: 2.2 pages a dossier); with --governance as `make demo`
builds it, with evaluations and their explanations, lists, 四个一批, cases and contracts (3.6 pages a dossier;
4.1 before its tables' columns were sized to their text).
The batch is its first N firms by credit code, with the administrator's scope.
Reported: building the dossiers' data and HTML, laying out and writing the PDF, pages, size, peak memory.
Usage: python bench/reports_dossiers.py [--firms 1000] [--sample 30] [--governance] [--one-pdf]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import fresh_database, peak_rss_mib, setup_django  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--firms", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--demo", type=int, default=1500, help="demo size (firms) to build")
    parser.add_argument("--governance", action="store_true", help="the demo with evaluations, lists and cases")
    parser.add_argument("--one-pdf", action="store_true", help="also lay the batch out as one document")
    args = parser.parse_args()
    setup_django(fresh_database("sqlite"))
    import logging

    from parkgov.audit.context import system_user
    from parkgov.demo.services import build_demo
    from parkgov.governance.lists import operator_scope
    from parkgov.ledger.models import Enterprise
    import os

    from parkgov.reports.dossier_pdf import PARALLEL_FROM, _document, dossier_pdf, dossier_sections, dossier_zip
    from parkgov.reports.pdf import render_document

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    started = time.perf_counter()
    build_demo(enterprises=args.demo, seed=2021, actor=system_user("bench"), governance=args.governance)
    print(f"# demo of {args.demo} firms built in {time.perf_counter() - started:.0f} s")
    scope = operator_scope()
    firms = list(Enterprise.objects.select_related("zone__parent").order_by("credit_code")[:args.firms])
    dossier_pdf(scope=scope, enterprises=firms[:1])  # warm: fonts, templates, code tables

    started, cpu = time.perf_counter(), cpu_seconds()
    for firm in firms[:args.sample]:
        dossier_pdf(scope=scope, enterprises=[firm])
    one_by_one = (time.perf_counter() - started) / args.sample
    one_by_one_cpu = (cpu_seconds() - cpu) / args.sample

    print(f"baseline one PDF per dossier, one process: {one_by_one:.3f} s each (sample of {args.sample}) → "
          f"{one_by_one * len(firms):.0f} s for {len(firms)}; CPU {one_by_one_cpu * 1000:.0f} ms a dossier")

    import parkgov.reports.dossier_pdf as service

    # the zip's own work in this one process, on the baseline's sample: CPU per dossier like for like (two busy
    # processes on two shared cores each take longer per dossier than one alone)
    parallel_from, service.PARALLEL_FROM = service.PARALLEL_FROM, len(firms) + 1
    started, cpu = time.perf_counter(), cpu_seconds()
    dossier_zip(scope=scope, enterprises=firms[:args.sample])
    serial_zip = (time.perf_counter() - started) / args.sample
    serial_zip_cpu = (cpu_seconds() - cpu) / args.sample
    service.PARALLEL_FROM = parallel_from
    print(f"the zip's work in one process (same sample): {serial_zip:.3f} s each; CPU {serial_zip_cpu * 1000:.0f} ms a "
          f"dossier ({one_by_one_cpu / serial_zip_cpu:.2f}× less than the baseline's)")
    cores = os.cpu_count() or 1
    print(f"floor on this machine: {len(firms)} × {serial_zip_cpu * 1000:.0f} ms of CPU ÷ {cores} cores = "
          f"{len(firms) * serial_zip_cpu / cores:.0f} s, were the cores shared without any loss")

    started, cpu = time.perf_counter(), cpu_seconds()
    archive = dossier_zip(scope=scope, enterprises=firms)
    zipped = time.perf_counter() - started
    zipped_cpu = (cpu_seconds() - cpu) / len(firms)
    workers = min(os.cpu_count() or 1, len(firms) // PARALLEL_FROM)
    print(f"batch of {len(firms)} dossiers as a zip, laid out by {workers} processes: {zipped:.1f} s, "
          f"{len(archive) / 1e6:.1f} MB; {one_by_one * len(firms) / zipped:.1f}× the baseline; peak {peak_rss_mib():.0f} MiB here, "
          f"{children_peak_mib():.0f} MiB in a layout process; CPU {zipped_cpu * 1000:.0f} ms a dossier "
          f"({one_by_one_cpu / zipped_cpu:.1f}× less than the baseline's)")
    print(f"target ≤ 60 s: {'met' if zipped <= 60 else 'NOT met'}")
    if not args.one_pdf:
        return
    started = time.perf_counter()
    sections = dossier_sections(scope=scope, enterprises=firms)
    built = time.perf_counter() - started
    document = render_document(_document(sections, title="bench"))
    laid_out = time.perf_counter() - started - built
    pdf = document.write_pdf()
    total = time.perf_counter() - started
    print(f"batch of {len(firms)} dossiers in one PDF: {total:.1f} s (data and HTML {built:.1f} s, layout "
          f"{laid_out:.1f} s, writing {total - built - laid_out:.1f} s); {len(document.pages)} pages, "
          f"{len(pdf) / 1e6:.1f} MB, peak {peak_rss_mib():.0f} MiB")

def cpu_seconds() -> float:
    """User and system CPU time of this process and of its waited-for children (the layout processes)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def children_peak_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


if __name__ == "__main__":
    main()
