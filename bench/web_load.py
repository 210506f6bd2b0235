"""Benchmark: the enterprise list (filtered, deep page) and the parcel dossier under 50 concurrent clients.

Target (issue 17 §5; issue 4 §6 had 20 clients): p95 ≤ 300 ms per page with 50 concurrent clients, on PostgreSQL
with 1,000,000 firms in 10 zones and on SQLite with 100,000. The ledger is the demo's 9 zones (嵊州经济开发区 and its
8 parks) and, for the benchmark only, one park more per zone above 9 (`--zones`, default 10; bench/load_parks.py),
each zone holding 1/ZONES of the firms; the demo itself is not changed. Half of the clients are park-scoped: each
logs in as a 管委会 user restricted to one zone (`load_<zone code>`, one per zone, created by the prepare stage; a
development zone's user sees its parks too), the scoped clients spread over all zones, so the row-level area scopes
are applied on every request as in a province's database of many zones; the others log in as `committee` and see
every zone. Before measuring, each scoped user's enterprise list (pages 1 and 2 and the filter) is checked to hold
only firms of its zone and a parcel of another zone to be refused: the bench stops with SCOPE LEAK otherwise.
`--think-ms` lets each client pause between requests as a person does (0: back to back, the saturation case).
gunicorn serves the database on 127.0.0.1 (sync workers, as many as `parkgov serve` starts for the database, or
`--workers N --threads N`; production settings: PARKGOV_DEBUG=0); each client logs in once and then requests, in
turn, `/enterprises/?scale=above&q=厨具` (规上 firms whose name holds 厨具), `/enterprises/?page=50` and
`/parcels/<code>/` for random parcels (a scoped client's from its zone). The baseline is the same requests issued one
after another by a single client in the same run, against the same warm server.
Usage: python bench/web_load.py [--databases sqlite,postgres] [--firms-sqlite 100000] [--firms-postgres 1000000]
                                [--zones 10] [--clients 50] [--requests 25] [--workers N] [--threads 1] [--think-ms 0]
                                [--database-url URL  (serve a database built before, e.g. by --stage prepare)]
       PARKGOV_DATABASE_URL=URL python bench/web_load.py --stage prepare --firms 1000000 [--zones 10]
                                (build into an existing empty database, kept for --database-url)
The build and the measurement each run in a fresh interpreter on a fresh database (dropped at the end).
Besides latency, the concurrent run reports the CPU each request cost the server (gunicorn master and workers) and
the database (PostgreSQL's processes; SQLite runs inside the workers), read from /proc before and after: on a
shared VM whose speed swings ±20 % within minutes, the figure to compare between runs and versions.
"""

import argparse
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ROOT, fresh_database, peak_rss_mib, run_stage, setup_django  # noqa: E402
from bench.load_parks import DEMO_ZONES, build_parks  # noqa: E402
from parkgov.web.serve import default_workers  # noqa: E402

TARGET_P95_MS = 300
USERNAME = "committee"
KINDS = {  # kind -> a description of the request, for the summary
    "list_filter": "/enterprises/?scale=above&q=厨具",
    "list_page50": "/enterprises/?page=50",
    "parcel": "/parcels/<random code>/",
}
# Connections kept for the whole run (production: 60 s): a backend that closes between the two CPU readings would
# take its CPU time with it.
SERVER_ENV = {"PARKGOV_DEBUG": "0", "PARKGOV_SECRET_KEY": "bench-only-not-a-secret",
              "PARKGOV_ALLOWED_HOSTS": "127.0.0.1,localhost", "PARKGOV_CONN_MAX_AGE": "3600"}


# --- shared with bench/map_draw.py: build, serve, log in ------------------------------------------------------

def stage_prepare(args):
    """Build the demo into the database (optionally with the two evaluation runs), ANALYZE, create demo accounts."""
    setup_django()
    from django.db import connection

    from parkgov.accounts.services import ensure_demo_accounts
    from parkgov.audit.context import system_user
    from parkgov.ledger.models import Enterprise, Parcel, Zone

    actor = system_user("bench")
    started = time.perf_counter()
    added = build_parks(zones=args.zones, firms=args.firms, seed=2021, actor=actor)
    print(f"build_seconds={time.perf_counter() - started:.1f}", flush=True)
    print(f"added_parks={','.join(added) or '-'}")
    if args.evaluate:
        from parkgov.evaluation.services import run_evaluation

        for ruleset in ("shengzhou-tiers", "zj-huangyan-2022"):
            run_evaluation(year=2025, ruleset_id=ruleset, actor=actor)
    if connection.vendor == "postgresql":  # statistics and visibility map, as autovacuum leaves after a bulk load
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    ensure_demo_accounts()
    park_accounts()
    print(f"seconds={time.perf_counter() - started:.1f}")
    print(f"firms={Enterprise.objects.count()}")
    print(f"parcels={Parcel.objects.count()}")
    print(f"zones={Zone.objects.count()}")
    print(f"peak_mib={peak_rss_mib():.0f}")


def park_accounts() -> list:
    """One 管委会 user restricted to each zone of the ledger (`load_<code>`, password as the demo accounts'; a
    development zone's user sees its parks too, as scopes do); returns their usernames."""
    from django.contrib.auth import get_user_model

    from parkgov.accounts.models import Profile
    from parkgov.ledger.models import Zone

    names = []
    for zone in Zone.objects.order_by("code"):
        name = f"load_{zone.code}"
        user, created = get_user_model().objects.get_or_create(username=name, defaults={"is_staff": True})
        if created:
            user.set_password(name + "-demo-2026")
            user.save()
        profile, _ = Profile.objects.update_or_create(user=user, defaults={"role": "committee", "department": "committee"})
        profile.zones.set([zone])
        names.append(name)
    return names


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving parkgov on 127.0.0.1 with production settings; static files collected to a temporary root."""

    def __init__(self, database_url, *, workers=None, threads=1):
        self.static_root = tempfile.mkdtemp(prefix="parkgov-bench-static-")
        self.env = dict(os.environ, **SERVER_ENV, PARKGOV_DATABASE_URL=database_url,
                        PARKGOV_STATIC_ROOT=self.static_root, DJANGO_SETTINGS_MODULE="parkgov.settings")
        self.port = free_port()
        self.workers, self.threads = workers or default_workers(database_url), threads
        self.process = None
        self.log = tempfile.TemporaryFile()

    def __enter__(self):
        subprocess.run([sys.executable, "-m", "django", "collectstatic", "--noinput", "-v", "0"], env=self.env,
                       cwd=ROOT, check=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "parkgov.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--threads", str(self.threads), "--timeout", "120"],
            env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}:\n{self.output()}")
            try:
                if request("127.0.0.1", self.port, "GET", "/login/")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not answer within 60 s:\n{self.output()}")
            time.sleep(0.2)
        return self

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.static_root, ignore_errors=True)
        return False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def request(host, port, method, path, *, cookies=None, body=None, timeout=120):
    """One HTTP request on a new connection; returns (status, headers, body bytes)."""
    headers = {"Host": f"{host}:{port}", "Connection": "close"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        body = urlencode(body).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def _store_cookies(cookies, headers):
    # Production settings mark the cookies Secure; a cookie jar would withhold them over plain http to
    # 127.0.0.1, so they are kept by hand (the server never sees the difference).
    for name, value in headers:
        if name.lower() == "set-cookie":
            for morsel in SimpleCookie(value).values():
                cookies[morsel.key] = morsel.value


def login(port, username=USERNAME) -> dict:
    """Log in through the login form; returns the session's cookies."""
    cookies = {}
    status, headers, body = request("127.0.0.1", port, "GET", "/login/")
    _store_cookies(cookies, headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    status, headers, _body = request("127.0.0.1", port, "POST", "/login/", cookies=cookies, body={
        "csrfmiddlewaretoken": token, "username": username, "password": username + "-demo-2026"})
    _store_cookies(cookies, headers)
    if status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"login as {username} failed: HTTP {status}")
    return cookies


def drop_database(kind, url):
    if kind == "sqlite":
        shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)
        return
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def percentiles(values):
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95, ordered[-1]


# --- the load stage -------------------------------------------------------------------------------------------

def _parcel_codes(count, seed, zone_code=None) -> list:
    """`count` random parcel codes (by random ids between the smallest and the largest), of one park if given."""
    setup_django()
    from django.db.models import Max, Min

    from parkgov.ledger.models import Parcel

    parcels = Parcel.objects.filter(zone__code=zone_code) if zone_code else Parcel.objects.all()
    bounds = parcels.aggregate(low=Min("id"), high=Max("id"))
    rng, codes = random.Random(seed), []
    while len(codes) < count:
        ids = [rng.randint(bounds["low"], bounds["high"]) for _ in range(count * 4)]
        codes += list(parcels.filter(id__in=ids).values_list("code", flat=True))
    rng.shuffle(codes)
    return codes[:count]


def _plan(per_client, codes_of) -> list:
    """Per client, the (kind, path) requests it issues: the three kinds in turn, each client starting elsewhere;
    `codes_of` holds each client's parcel codes (a park-scoped client's from its park)."""
    paths = {"list_filter": "/enterprises/?" + urlencode({"scale": "above", "q": "厨具"}),
             "list_page50": "/enterprises/?page=50"}
    kinds = list(KINDS)
    plan = []
    for client, codes in enumerate(codes_of):
        codes = iter(codes)
        mine = []
        for n in range(per_client):
            kind = kinds[(client + n) % len(kinds)]
            mine.append((kind, paths.get(kind) or f"/parcels/{quote(next(codes))}/"))
        plan.append(mine)
    return plan


def _run(port, sessions, plan, think_ms=0) -> tuple[list, float, list]:
    """Each session issues its planned requests in order, all sessions at once, pausing `think_ms` (±50 %, seeded)
    after each; (kind, ms, status, bytes, client index) rows."""
    rows, lock, errors = [], threading.Lock(), []
    start = threading.Barrier(len(plan) + 1)

    def client(index, cookies, requests, pause):
        start.wait()
        for kind, path in requests:
            if think_ms:
                time.sleep(pause.uniform(0.5, 1.5) * think_ms / 1000)
            began = time.perf_counter()
            try:
                status, _headers, body = request("127.0.0.1", port, "GET", path, cookies=cookies)
            except OSError as exc:
                status, body = 0, b""
                errors.append(f"{path}: {exc}")
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                rows.append((kind, elapsed, status, len(body), index))

    threads = [threading.Thread(target=client, args=(i, sessions[i % len(sessions)], requests, random.Random(i)))
               for i, requests in enumerate(plan)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return rows, time.perf_counter() - began, errors


def _report(prefix, rows, wall):
    for kind in KINDS:
        times = [row[1] for row in rows if row[0] == kind]
        p50, p95, worst = percentiles(times)
        bad = sum(1 for row in rows if row[0] == kind and row[2] != 200)
        print(f"{prefix}_{kind}=n:{len(times)} p50:{p50:.1f} p95:{p95:.1f} max:{worst:.1f} non200:{bad}")
    print(f"{prefix}_rps={len(rows) / wall:.2f}")
    print(f"{prefix}_seconds={wall:.2f}")


def _cpu_seconds(port, database) -> dict:
    """CPU seconds (user + system) so far of this run's gunicorn processes and of the PostgreSQL backends of its
    database (and their parallel workers), from /proc. Other databases' backends on a shared cluster are left out;
    a parallel worker that ended between two readings is missed, so the database figure is a floor."""
    tick, found = os.sysconf("SC_CLK_TCK"), {"server": 0.0, "database": 0.0}
    bind = f"127.0.0.1:{port}"
    processes = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        processes[pid] = (command, (int(fields[11]) + int(fields[12])) / tick)
    ours = {pid for pid, (command, _cpu) in processes.items()
            if database and command.startswith("postgres: ") and f" {database} " in command}
    for pid, (command, cpu) in processes.items():
        leader = re.search(r"parallel worker for PID (\d+)", command)
        group = "server" if "gunicorn" in command and bind in command else \
            "database" if pid in ours or (leader and leader.group(1) in ours) else None
        if group:
            found[group] += cpu
    return found


def _check_scopes(port, sessions, users) -> dict:
    """Fail loudly unless each park-scoped user's enterprise list shows firms, and only firms of its zone (with the
    parks inside it), and a parcel of another zone is refused; returns user → firms seen on the pages checked."""
    from parkgov.accounts.scopes import with_children
    from parkgov.ledger.models import Enterprise, Parcel, Zone

    zone_ids = dict(Zone.objects.values_list("code", "id"))
    paths = ("/enterprises/", "/enterprises/?page=2", "/enterprises/?" + urlencode({"scale": "above", "q": "厨具"}))
    seen_by = {}
    for cookies, user in zip(sessions, users):
        if user == USERNAME or user in seen_by:
            continue
        allowed = with_children([zone_ids[user.removeprefix("load_")]])
        seen = set()
        for path in paths:
            status, _headers, body = request("127.0.0.1", port, "GET", path, cookies=cookies)
            if status != 200:
                raise SystemExit(f"scope check: {user} {path} answered HTTP {status}")
            seen |= {code.decode() for code in re.findall(rb'href="/enterprises/([0-9A-Z]{18})/"', body)}
        if not seen:
            raise SystemExit(f"scope check: {user}'s enterprise list shows no firm (nothing to check)")
        leaked = list(Enterprise.objects.filter(credit_code__in=seen).exclude(zone_id__in=allowed)
                      .values_list("credit_code", "zone__code")[:5])
        if leaked:
            raise SystemExit(f"SCOPE LEAK: {user} sees firms of other zones, e.g. {leaked}")
        if len(Enterprise.objects.filter(credit_code__in=seen)) != len(seen):
            raise SystemExit(f"scope check: {user}'s list shows credit codes that are not in the ledger")
        outside = Parcel.objects.exclude(zone_id__in=allowed).values_list("code", flat=True).first()
        if outside:
            status, _headers, _body = request("127.0.0.1", port, "GET", f"/parcels/{quote(outside)}/", cookies=cookies)
            if status == 200:
                raise SystemExit(f"SCOPE LEAK: {user} opens parcel {outside} of another zone")
        seen_by[user] = len(seen)
    return seen_by


def stage_load(args):
    """Serve the database, log every client in, warm up, then the sequential baseline and the concurrent run."""
    setup_django()
    parks = park_accounts()  # a database built before this option existed gets them here
    from parkgov.ledger.models import Enterprise, Parcel, Zone

    print(f"ledger=zones:{Zone.objects.count()} firms:{Enterprise.objects.count()} parcels:{Parcel.objects.count()}")
    users = [parks[i // 2 % len(parks)] if i % 2 else USERNAME for i in range(args.clients)]
    codes_of = [_parcel_codes(args.requests, seed=4 + i, zone_code=user.removeprefix("load_") if i % 2 else None)
                for i, user in enumerate(users)]
    plan = _plan(args.requests, codes_of)
    with Server(os.environ["PARKGOV_DATABASE_URL"], workers=args.workers, threads=args.threads) as server:
        sessions = [login(server.port, user) for user in users]
        spread = {name: users.count(name) for name in parks}
        print("scoped_clients=" + " ".join(f"{name.removeprefix('load_')}:{n}" for name, n in spread.items()))
        if args.clients // 2 >= len(parks) and not all(spread.values()):
            raise SystemExit(f"park-scoped clients do not cover every zone: {spread}")
        checked = _check_scopes(server.port, sessions, users)
        print(f"scope_check=users:{len(checked)} firms_seen:{sum(checked.values())} leaks:0")
        # warm-up: every kind a few times at once, so each worker has imported, connected and filled its caches
        slots = server.workers * args.threads
        warm = _plan(3, [_parcel_codes(3, seed=1000 + i) for i in range(slots)])
        rows, _wall, _errors = _run(server.port, sessions[:1], warm)  # the committee sees every parcel
        failed = [row for row in rows if row[2] != 200]
        if failed:
            raise SystemExit(f"warm-up requests failed: {failed[:5]}\n{server.output()}")
        sizes = {kind: max(row[3] for row in rows if row[0] == kind) for kind in KINDS}
        print("page_kb=" + " ".join(f"{kind}:{size / 1024:.0f}" for kind, size in sizes.items()))
        # baseline: the same requests, one client, one after another
        sequential = [[request for requests in plan for request in requests]]
        load_before = os.getloadavg()[0]
        rows, wall, errors = _run(server.port, sessions[:1], sequential)
        _report("single", rows, wall)
        load_single = os.getloadavg()[0]
        url = os.environ["PARKGOV_DATABASE_URL"]
        database = None if url.startswith("sqlite") else url.rsplit("/", 1)[1]  # SQLite works inside the workers
        cpu_before = _cpu_seconds(server.port, database)
        rows, wall, errors2 = _run(server.port, sessions, plan, args.think_ms)
        cpu_after = _cpu_seconds(server.port, database)
        _report("concurrent", rows, wall)
        by_user = {label: percentiles([row[1] for row in rows if (users[row[4]] == USERNAME) == (label == "all")])
                   for label in ("scoped", "all")}
        print("concurrent_by_user=" + " ".join(f"{label}:{p50:.1f}/{p95:.1f}" for label, (p50, p95, _max)
                                               in by_user.items()))
        print("concurrent_cpu_ms=" + " ".join(f"{group}:{(cpu_after[group] - cpu_before[group]) / len(rows) * 1000:.1f}"
                                              for group in cpu_after))
        load_after = os.getloadavg()
        print(f"loadavg=before:{load_before:.2f} after_single:{load_single:.2f} after_concurrent:{load_after[0]:.2f}")
        print(f"errors={len(errors) + len(errors2)}")
        for line in (errors + errors2)[:5]:
            print(f"error_sample={line}")
    print(f"peak_mib={peak_rss_mib():.0f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--firms-sqlite", type=int, default=100_000)
    parser.add_argument("--firms-postgres", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--think-ms", type=int, default=0, help="each client's pause between requests (±50 %%)")
    parser.add_argument("--requests", type=int, default=25, help="requests per client")
    parser.add_argument("--workers", type=int, default=0,
                        help="gunicorn workers (default: as `parkgov serve` chooses for the database)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (1: sync workers, "
                        "as `parkgov serve` runs them)")
    parser.add_argument("--database-url", help="serve this already built database instead of building one")
    parser.add_argument("--stage")
    parser.add_argument("--firms", type=int)
    parser.add_argument("--evaluate", action="store_true")
    parser.add_argument("--zones", type=int, default=10, help="zones of the ledger: the demo's 9 and, for the "
                        "benchmark only, one park more per zone above 9, each holding 1/ZONES of the firms "
                        "(bench/load_parks.py)")
    args = parser.parse_args()
    if args.stage:
        return {"prepare": stage_prepare, "load": stage_load}[args.stage](args)
    script = Path(__file__)
    print(f"# web pages under load: {args.clients} clients × {args.requests} requests against gunicorn "
          f"(workers as `parkgov serve` chooses unless --workers, × {args.threads} threads) on 127.0.0.1; {os.cpu_count()} CPUs, load average "
          f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())}; times in ms (p50 / p95 / max), "
          f"target p95 ≤ {TARGET_P95_MS}")
    for kind in args.databases.split(","):
        firms = args.firms_sqlite if kind == "sqlite" else args.firms_postgres
        url = args.database_url or fresh_database(kind)
        workers = args.workers or default_workers(url)
        try:
            if args.database_url:
                build = {"seconds": "—", "firms": "?", "parcels": "?", "peak_mib": "—"}
            else:
                build = run_stage(script, "--stage", "prepare", "--firms", str(firms), "--zones", str(args.zones),
                                  database_url=url)
            result = run_stage(script, "--stage", "load", "--clients", str(args.clients), "--requests",
                               str(args.requests), "--workers", str(workers), "--threads", str(args.threads),
                               "--think-ms", str(args.think_ms),
                               database_url=url)
        finally:
            if not args.database_url:
                drop_database(kind, url)
        print(f"{kind}: gunicorn {workers} workers × {args.threads} threads")
        ledger = dict(part.split(":") for part in result["ledger"].split())
        built = f"built in {build['seconds']} s ({build['peak_mib']} MiB peak)" if build["firms"] != "?" else url
        print(f"{kind}: {ledger['zones']} zones, {int(ledger['firms']):,} firms, {int(ledger['parcels']):,} parcels, "
              f"{built} | largest page (KB) {result['page_kb']} | load average {result['loadavg']} | "
              f"errors {result['errors']}")
        print(f"  park-scoped clients per zone: {result['scoped_clients']} | scope check (lists of each scoped user "
              f"hold only its zone's firms, another zone's parcel refused): {result['scope_check']}")
        for kind_name, path in KINDS.items():
            one = dict(part.split(":") for part in result[f"single_{kind_name}"].split())
            many = dict(part.split(":") for part in result[f"concurrent_{kind_name}"].split())
            p95 = float(many["p95"])
            print(f"  {path:34s} 1 client {float(one['p50']):6.1f} / {float(one['p95']):6.1f} / "
                  f"{float(one['max']):6.1f} | {args.clients} clients {float(many['p50']):6.1f} / {p95:6.1f} / "
                  f"{float(many['max']):6.1f} | p95 {p95 / max(float(one['p95']), 0.01):4.1f}× 1 client | "
                  f"n {many['n']}, non-200 {int(one['non200']) + int(many['non200'])} | "
                  f"p95 ≤ {TARGET_P95_MS} ms: {'OK' if p95 <= TARGET_P95_MS else 'MISSED'}")
        print(f"  throughput: 1 client {result['single_rps']} req/s ({result['single_seconds']} s) | "
              f"{args.clients} clients {result['concurrent_rps']} req/s ({result['concurrent_seconds']} s) | "
              f"{float(result['concurrent_rps']) / float(result['single_rps']):.1f}× 1 client")
        by_user = dict(part.split(":") for part in result["concurrent_by_user"].split())
        print(f"  {args.clients} clients, p50 / p95 of every page: park-scoped clients {by_user['scoped']} | "
              f"clients seeing every zone {by_user['all']}")
        cpu = dict(part.split(":") for part in result["concurrent_cpu_ms"].split())
        print(f"  CPU per request under load: gunicorn {cpu['server']} ms, PostgreSQL {cpu['database']} ms"
              if kind == "postgres" else f"  CPU per request under load: gunicorn (SQLite inside) {cpu['server']} ms")


if __name__ == "__main__":
    main()
