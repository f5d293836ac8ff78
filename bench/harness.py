"""bench/run: measure forum071's main pages against a bare reference page. See README.md.

Steps: make a scratch database (SQLite file or the PostgreSQL database forum071_bench),
migrate, seed, ``flask generate``; make the reference database; serve both with
``gunicorn -w 2`` (sync workers); check every page answers 200; count SQL queries per page in
a test client; warm up; then per round and page run wrk on the forum page (A) and right after
on the reference page (B); report medians over rounds and the targets.

Exit status: 0 when the harness worked (whatever the numbers), 1 when it did not (a server
did not start, a page answered 5xx, wrk's output could not be read, generation failed).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA = BENCH / ".data"
RESULTS = BENCH / "RESULTS.md"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "forum071_bench"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DATABASE}"
RARE_WORD = "zonnedakpilot"
PER_PAGE = 20  # forum071.config THREADS_PER_PAGE / POSTS_PER_PAGE defaults
DEEP_PAGE = 50

# Targets (issue 5): minimum req/s as a share of the reference page, per page kind.
RATIO_TARGETS = {
    "front": 0.6,
    "theme": 0.6,
    "project": 0.6,
    "thread": 0.5,
    "search": 0.3,
    "search_facet": 0.3,
}
SEARCH_P50_MS = 30.0
P99_MS = 40.0
MAX_QUERIES = 6


class HarnessError(RuntimeError):
    """The harness could not do its job (as opposed to: the numbers are bad)."""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ------------------------------------------------------------------------------------------
# Options
# ------------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run",
        description="Measure forum071's pages against a bare Flask reference page with wrk.",
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="CI smoke run: tiny data, 1 s per measurement, 1 round, no RESULTS.md",
    )
    parser.add_argument("--posts", type=int, help="posts to generate (default 50,000)")
    parser.add_argument("--users", type=int, help="default: posts / 100")
    parser.add_argument("--threads", type=int, help="default: posts / 25")
    parser.add_argument("--seed", type=int, default=71)
    parser.add_argument("--duration", type=int, help="seconds per wrk measurement (default 15)")
    parser.add_argument("--warmup", type=int, help="seconds of wrk per URL first (default 2)")
    parser.add_argument("--rounds", type=int, help="A B rounds per page (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="wrk -c (default 8)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk -t (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn -w (default 2)")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the generated database in bench/.data (or forum071_bench) "
        "and reuse it on the next run with the same parameters",
    )
    parser.add_argument("--no-results", action="store_true", help="do not write bench/RESULTS.md")
    parser.add_argument(
        "--no-page-cache",
        action="store_true",
        help="serve forum071 without its visitors' page cache: every request renders the page",
    )
    parser.add_argument(
        "--python-load",
        action="store_true",
        help="use the built-in Python load generator instead of wrk",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.posts = args.posts or 400
        args.duration = args.duration or 1
        args.warmup = args.warmup if args.warmup is not None else 1
        args.rounds = args.rounds or 1
    args.posts = args.posts or 50_000
    args.users = args.users or max(20, args.posts // 100)
    args.threads = args.threads or max(40, args.posts // 25)
    args.threads = min(args.threads, args.posts)
    args.duration = args.duration or 15
    args.warmup = 2 if args.warmup is None else args.warmup
    args.rounds = args.rounds or 2
    for name in ("posts", "users", "threads", "duration", "rounds", "connections", "workers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    return args


# ------------------------------------------------------------------------------------------
# Scratch databases
# ------------------------------------------------------------------------------------------


def data_key(args: argparse.Namespace) -> str:
    """Identifies a generated database: its parameters and the code that shapes it."""
    digest = hashlib.sha256()
    digest.update(f"{args.db}:{args.users}:{args.threads}:{args.posts}:{args.seed}".encode())
    sources = [
        ROOT / "forum071" / "generate.py",
        ROOT / "forum071" / "seed_data.py",
        *sorted((ROOT / "migrations" / "versions").glob("*.py")),
    ]
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def flask(database_url: str, *command: str, echo: bool = False) -> str:
    """Run ``flask --app forum071 COMMAND`` on the scratch database; raise if it fails."""
    env = {**os.environ, "FLASK_SQLALCHEMY_DATABASE_URI": database_url}
    env.pop("FLASK_SECRET_KEY", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "forum071", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if echo:
            print(f"    {line.rstrip()}", flush=True)
    if process.wait() != 0:
        tail = "".join(lines[-30:])
        raise HarnessError(f"flask {' '.join(command)} failed:\n{tail}")
    return "".join(lines)


def generate_into(database_url: str, args: argparse.Namespace) -> float:
    started = time.perf_counter()
    flask(database_url, "db", "upgrade")
    flask(database_url, "seed")
    flask(
        database_url,
        "generate",
        "--users",
        str(args.users),
        "--threads",
        str(args.threads),
        "--posts",
        str(args.posts),
        "--seed",
        str(args.seed),
        echo=True,
    )
    return time.perf_counter() - started


@dataclass
class Scratch:
    url: str
    generated_seconds: float | None  # None: reused from an earlier --keep run
    cleanup: list = field(default_factory=list)


def sqlite_scratch(args: argparse.Namespace, workdir: Path) -> Scratch:
    key = data_key(args)
    if args.keep:
        DATA.mkdir(parents=True, exist_ok=True)
        path = DATA / f"forum071-{args.posts}p-{key}.sqlite"
        done = Path(f"{path}.done")
        if path.exists() and done.exists():
            log(f"Reusing {path.relative_to(ROOT)} (--keep, same parameters and code)")
            return Scratch(f"sqlite:///{path}", None)
    else:
        path = workdir / "forum071.sqlite"
        done = Path(f"{path}.done")
    for suffix in ("", "-wal", "-shm", ".done"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    log(f"Generating into {path}")
    seconds = generate_into(url, args)
    done.write_text(key)
    return Scratch(url, seconds)


def _pg_admin():
    from sqlalchemy import create_engine

    return create_engine(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )


def _pg_drop() -> None:
    from sqlalchemy import text

    engine = _pg_admin()
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
    engine.dispose()


def postgres_scratch(args: argparse.Namespace) -> Scratch:
    from sqlalchemy import text

    key = data_key(args)
    try:
        engine = _pg_admin()
        with engine.connect() as connection:
            comment = connection.scalar(
                text(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                    "WHERE datname = :name"
                ),
                {"name": PG_DATABASE},
            )
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_DATABASE}
            )
            if args.keep and exists and comment == f"forum071 bench {key}":
                log(f"Reusing database {PG_DATABASE} (--keep, same parameters and code)")
                engine.dispose()
                return Scratch(PG_URL, None)
            connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
        engine.dispose()
    except HarnessError:
        raise
    except Exception as error:
        raise HarnessError(f"PostgreSQL on 127.0.0.1:5432 is not usable: {error}") from error
    log(f"Generating into PostgreSQL database {PG_DATABASE}")
    seconds = generate_into(PG_URL, args)
    engine = _pg_admin()
    with engine.connect() as connection:
        connection.execute(text(f"COMMENT ON DATABASE \"{PG_DATABASE}\" IS 'forum071 bench {key}'"))
    engine.dispose()
    scratch = Scratch(PG_URL, seconds)
    if not args.keep:
        scratch.cleanup.append(_pg_drop)
    return scratch


def reference_database(args: argparse.Namespace, workdir: Path) -> Path:
    source = (BENCH / "reference_app.py").read_bytes()
    key = hashlib.sha256(source).hexdigest()[:12]
    if args.keep:
        DATA.mkdir(parents=True, exist_ok=True)
        path = DATA / f"reference-{key}.sqlite"
        if path.exists() and Path(f"{path}.done").exists():
            return path
    else:
        path = workdir / "reference.sqlite"
    subprocess.run(
        [sys.executable, str(BENCH / "reference_app.py"), "init", str(path)],
        cwd=BENCH,
        check=True,
    )
    Path(f"{path}.done").write_text(key)
    return path


# ------------------------------------------------------------------------------------------
# Servers
# ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            # Our own gunicorn master (its own process group): TERM it and its workers.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def start_gunicorn(
    name: str, app: str, workers: int, env: dict[str, str], cwd: Path, logdir: Path
) -> Server:
    port = free_port()
    log_path = logdir / f"{name}-gunicorn.log"
    handle = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--chdir",
            str(cwd),
            app,
        ],
        cwd=cwd,
        env={**os.environ, **env},
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    handle.close()
    return Server(name, port, process, log_path)


def get(base: str, path: str, timeout: float = 30) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Accept-Language": "nl"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_until_up(server: Server, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise HarnessError(f"{server.name} exited at start:\n{server.log_tail()}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _ = get(server.base, path, timeout=5)
            if status == 200:
                return
        time.sleep(0.3)
    raise HarnessError(f"{server.name} did not answer 200 on {path}:\n{server.log_tail()}")


# ------------------------------------------------------------------------------------------
# Pages
# ------------------------------------------------------------------------------------------


@dataclass
class Page:
    key: str
    label: str
    path: str
    note: str = ""
    status: int | None = None
    queries: int | None = None
    runs: list[Measurement] = field(default_factory=list)
    reference_runs: list[Measurement] = field(default_factory=list)


def choose_pages(database_url: str) -> list[Page]:
    """Pick the measured URLs from the generated data."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        theme = connection.execute(
            text("SELECT slug, thread_count FROM themes ORDER BY thread_count DESC, id LIMIT 1")
        ).one()
        project = connection.execute(
            text("SELECT slug, thread_count FROM projects ORDER BY thread_count DESC, id LIMIT 1")
        ).one()
        thread = connection.execute(
            text(
                "SELECT id, slug, post_count FROM threads WHERE state = 'published' "
                "ORDER BY post_count DESC, id LIMIT 1"
            )
        ).one()
    engine.dispose()
    pages_in_theme = max(1, math.ceil(theme.thread_count / PER_PAGE))
    deep = min(DEEP_PAGE, pages_in_theme)
    deep_note = (
        f"{theme.thread_count:,} threads"
        if deep == DEEP_PAGE
        else f"only {pages_in_theme} pages ({theme.thread_count:,} threads): page {deep} measured"
    )
    thread_path = f"/threads/{thread.id}-{thread.slug}" if thread.slug else f"/threads/{thread.id}"
    thread_note = f"{thread.post_count:,} posts, first page"
    if thread.post_count < PER_PAGE:
        thread_note += f" (fewer than {PER_PAGE} posts in the data set)"
    return [
        Page("front", "Front page", "/"),
        Page("theme", "Busiest theme", f"/themes/{theme.slug}", f"{theme.thread_count:,} threads"),
        Page(
            "project",
            "Busiest project",
            f"/projects/{project.slug}",
            f"{project.thread_count:,} threads",
        ),
        Page("thread", "Thread, 20 posts", thread_path, thread_note),
        Page(
            "theme_deep",
            f"Busiest theme, page {deep}",
            f"/themes/{theme.slug}?page={deep}",
            deep_note,
        ),
        Page(
            "search",
            "Search, rare word",
            f"/search?q={RARE_WORD}",
            f"'{RARE_WORD}' is in ~0.04% of posts",
        ),
        Page(
            "search_facet",
            "Search with a facet",
            f"/search?q={RARE_WORD}+kind:question",
            "facet kind:question",
        ),
    ]


def count_queries(database_url: str, pages: list[Page]) -> None:
    """SQL statements per page for an anonymous visitor, counted in a test client."""
    from sqlalchemy import event

    from forum071 import create_app
    from forum071.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": secrets.token_hex(16),
            "RATELIMIT_ENABLED": False,
            # The page's own queries: with the visitors' page cache a repeated visit costs one
            # (the write counter), which says nothing about the page.
            "ANONYMOUS_PAGE_CACHE_ENTRIES": 0,
        }
    )
    client = app.test_client()
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        for page in pages:
            if page.status != 200:
                continue
            client.get(page.path)  # first request: whatever is loaded once per process
            statements.clear()
            response = client.get(page.path)
            page.queries = len(statements) if response.status_code == 200 else None
    finally:
        event.remove(engine, "before_cursor_execute", record)
        with app.app_context():
            db.engine.dispose()


# ------------------------------------------------------------------------------------------
# Load generation
# ------------------------------------------------------------------------------------------


@dataclass
class Measurement:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers and socket errors


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_duration_ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value.strip())
    if not match:
        raise HarnessError(f"unreadable latency {value!r} in wrk output")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> Measurement:
    """Requests/s, 50% and 99% latency, request and error counts from ``wrk --latency``."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"^\s+(\d+) requests in", output, re.M)
    if not (rps and p50 and p99 and total):
        raise HarnessError(f"unreadable wrk output:\n{output}")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if sockets:
        # Read errors are how wrk sees a sync worker closing its connection: not failures.
        errors += int(sockets.group(1)) + int(sockets.group(3)) + int(sockets.group(4))
    return Measurement(
        float(rps.group(1)),
        parse_duration_ms(p50.group(1)),
        parse_duration_ms(p99.group(1)),
        int(total.group(1)),
        errors,
    )


def ensure_wrk() -> str | None:
    """The wrk binary, installed with apt-get if missing; None if that is not possible."""
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk is missing: trying apt-get install -y wrk")
    prefix = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if prefix is not None and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "install", "-y", "-q", "wrk"],
            ["apt-get", "update", "-q"],
            ["apt-get", "install", "-y", "-q", "wrk"],
        ):
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                result = subprocess.run(
                    [*prefix, *command], env=env, capture_output=True, timeout=300
                )
                if result.returncode == 0 and shutil.which("wrk"):
                    return shutil.which("wrk")
    return None


class Load:
    def __init__(self, args: argparse.Namespace, wrk: str | None) -> None:
        self.args = args
        self.wrk = wrk

    @property
    def description(self) -> str:
        a = self.args
        if self.wrk:
            return f"wrk -t{a.wrk_threads} -c{a.connections} -d{a.duration}s --latency"
        return (
            f"Python load generator (wrk unavailable): {a.connections} keep-alive "
            f"connections, {a.duration} s"
        )

    def run(self, url: str, seconds: int) -> Measurement:
        if self.wrk:
            threads = min(self.args.wrk_threads, self.args.connections)
            result = subprocess.run(
                [
                    self.wrk,
                    f"-t{threads}",
                    f"-c{self.args.connections}",
                    f"-d{seconds}s",
                    "--latency",
                    "-H",
                    "Accept-Language: nl",
                    url,
                ],
                capture_output=True,
                text=True,
                timeout=seconds + 60,
            )
            if result.returncode != 0:
                raise HarnessError(f"wrk failed on {url}:\n{result.stdout}{result.stderr}")
            return parse_wrk(result.stdout)
        return python_load(url, self.args.connections, seconds)


def python_load(url: str, connections: int, seconds: float) -> Measurement:
    """A small stand-in for wrk: ``connections`` threads, each a keep-alive HTTP client."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        mine: list[float] = []
        bad = 0
        connection = None
        while True:
            started = time.perf_counter()
            if started >= deadline:
                break
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                connection.request("GET", path, headers={"Accept-Language": "nl"})
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    bad += 1
                if response.will_close:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException):
                bad += 1
                if connection is not None:
                    connection.close()
                connection = None
                continue
            mine.append((time.perf_counter() - started) * 1000)
        if connection is not None:
            connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    started = time.perf_counter()
    workers = [threading.Thread(target=client) for _ in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if not latencies:
        raise HarnessError(f"no request to {url} succeeded")
    latencies.sort()

    def pct(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))]

    return Measurement(len(latencies) / elapsed, pct(0.5), pct(0.99), len(latencies), errors[0])


# ------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class Summary:
    page: Page
    rps: float
    p50: float
    p99: float
    ratio: float  # median over rounds of (page req/s / reference req/s measured right after)
    errors: int
    checks: list[tuple[str, bool]]


def summarise(page: Page) -> Summary:
    rps = median([m.rps for m in page.runs])
    p50 = median([m.p50_ms for m in page.runs])
    p99 = median([m.p99_ms for m in page.runs])
    ratio = median(
        [a.rps / b.rps for a, b in zip(page.runs, page.reference_runs, strict=True) if b.rps > 0]
    )
    checks: list[tuple[str, bool]] = []
    target = RATIO_TARGETS.get(page.key)
    if target is not None:
        checks.append((f">= {target}x ref", ratio >= target))
    if page.key.startswith("search"):
        checks.append((f"p50 < {SEARCH_P50_MS:g} ms", p50 < SEARCH_P50_MS))
    checks.append((f"p99 < {P99_MS:g} ms", p99 < P99_MS))
    if page.queries is not None:
        checks.append((f"<= {MAX_QUERIES} queries", page.queries <= MAX_QUERIES))
    errors = sum(m.errors for m in page.runs)
    if errors:
        checks.append(("no errors under load", False))
    return Summary(page, rps, p50, p99, ratio, errors, checks)


def render_table(pages: list[Page], reference: list[Measurement]) -> tuple[str, int, int]:
    """The Markdown table and the number of targets passed and failed."""
    lines = [
        "| Page | URL | req/s | p50 ms | p99 ms | x ref | SQL | Targets |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    passed = failed = 0
    for page in pages:
        url = f"`{page.path}`"
        if page.status != 200:
            what = "MISSING (404)" if page.status == 404 else f"ERROR (HTTP {page.status})"
            lines.append(f"| {page.label} | {url} | {what} | - | - | - | - | not measured |")
            continue
        s = summarise(page)
        marks = ", ".join(f"{name} {'PASS' if ok else 'FAIL'}" for name, ok in s.checks)
        passed += sum(ok for _, ok in s.checks)
        failed += sum(not ok for _, ok in s.checks)
        note = f" ({page.note})" if page.note else ""
        queries = "?" if page.queries is None else str(page.queries)
        lines.append(
            f"| {page.label}{note} | {url} | {s.rps:,.0f} | {s.p50:.1f} | {s.p99:.1f} "
            f"| {s.ratio:.2f} | {queries} | {marks or '-'} |"
        )
    if reference:
        lines.append(
            f"| Reference: 20 newest of 50,000 rows | `/` (bench/reference_app.py) "
            f"| {median([m.rps for m in reference]):,.0f} "
            f"| {median([m.p50_ms for m in reference]):.1f} "
            f"| {median([m.p99_ms for m in reference]):.1f} | 1.00 | 1 | - |"
        )
    return "\n".join(lines), passed, failed


GIT_STATUS = ["git", "status", "--porcelain", "--untracked-files=no"]


def git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            # The results file is rewritten by the runs themselves; it is not code measured.
            [*GIT_STATUS, "--", ".", ":!bench/RESULTS.md"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return commit + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def database_version(url: str) -> str:
    if url.startswith("sqlite"):
        return f"SQLite {sqlite3.sqlite_version}"
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        version = connection.scalar(text("SHOW server_version"))
    engine.dispose()
    return f"PostgreSQL {version}"


def header(args: argparse.Namespace, scratch: Scratch, load: Load) -> list[str]:
    generated = (
        "reused (--keep)"
        if scratch.generated_seconds is None
        else f"generated in {scratch.generated_seconds:.0f} s"
    )
    return [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), "
        f"{cpu_model()}; the load generator runs on the same cores",
        f"- Commit: {git_commit()}",
        f"- Database: {database_version(scratch.url)}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version} (reference app)",
        f"- Data: {args.posts:,} posts, {args.threads:,} threads, {args.users:,} users, "
        f"seed {args.seed} ({generated})",
        f"- Servers: gunicorn -w {args.workers} (sync) for forum071 and for the reference; "
        + (
            "forum071's visitors' page cache off (every request renders its page)"
            if args.no_page_cache
            else "forum071's visitors' page cache on (the default; SQL column: the page's own "
            "queries, a cached visit costs 1)"
        ),
        f"- Load: {load.description}; warm-up {args.warmup} s per URL; {args.rounds} round(s) "
        "of forum page then reference page; medians over rounds, ratio = median of the "
        "paired per-round ratios",
    ]


DB_TITLES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def results_title(db_name: str, posts: int, page_cache: bool = True) -> str:
    suffix = "" if page_cache else ", visitors' page cache off"
    return f"## {DB_TITLES[db_name]}, {posts:,} posts{suffix}"


def write_results(db_name: str, posts: int, text_block: str, page_cache: bool = True) -> None:
    """Replace the section of RESULTS.md for this database and data size, keep the others."""
    sections: dict[str, str] = {}
    if RESULTS.exists():
        current = None
        for line in RESULTS.read_text().splitlines():
            if line.startswith("## "):
                current = line
                sections[current] = ""
            elif current:
                sections[current] += line + "\n"
    sections[results_title(db_name, posts, page_cache)] = "\n" + text_block.strip() + "\n\n"

    def order(title: str) -> tuple[int, int, int]:
        match = re.fullmatch(r"## (\w+), ([\d,]+) posts(, .*)?", title)
        if not match:
            return (9, 0, 0)
        names = list(DB_TITLES.values())
        rank = names.index(match.group(1)) if match.group(1) in names else 8
        return (rank, int(match.group(2).replace(",", "")), 1 if match.group(3) else 0)

    body = [
        "# bench/run results",
        "",
        "The last full run of `bench/run` per database and data size (written by the harness; "
        "see README.md for how to read it).",
        "",
    ]
    for title in sorted(sections, key=order):
        body.append(title)
        body.append(sections[title].rstrip("\n"))
        body.append("")
    RESULTS.write_text("\n".join(body))


# ------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------


def run(args: argparse.Namespace, workdir: Path, stack: contextlib.ExitStack) -> int:
    started = time.perf_counter()
    wrk = None if args.python_load else ensure_wrk()
    load = Load(args, wrk)
    if not wrk:
        log(
            "Using the built-in Python load generator"
            + (
                ""
                if args.python_load
                else " because wrk could not be installed; numbers are not comparable to wrk's"
            )
        )

    scratch = postgres_scratch(args) if args.db == "postgresql" else sqlite_scratch(args, workdir)
    for cleanup in scratch.cleanup:
        stack.callback(cleanup)
    reference_db = reference_database(args, workdir)
    pages = choose_pages(scratch.url)

    forum_env = {
        "FLASK_SECRET_KEY": secrets.token_hex(32),
        "FLASK_SQLALCHEMY_DATABASE_URI": scratch.url,
        "FLASK_RATELIMIT_STORAGE_URI": "memory://",
        "FLASK_DEBUG": "0",
    }
    if args.no_page_cache:
        forum_env["FLASK_ANONYMOUS_PAGE_CACHE_ENTRIES"] = "0"
    forum = start_gunicorn("forum071", "wsgi:app", args.workers, forum_env, ROOT, workdir)
    stack.callback(forum.stop)
    reference = start_gunicorn(
        "reference",
        "reference_app:create_app()",
        args.workers,
        {"REFERENCE_DATABASE": str(reference_db)},
        BENCH,
        workdir,
    )
    stack.callback(reference.stop)
    wait_until_up(forum, "/healthz")
    wait_until_up(reference, "/")
    log(f"forum071 on {forum.base}, reference on {reference.base}")

    broken: list[str] = []
    for page in pages:
        try:
            page.status, _ = get(forum.base, page.path)
        except (OSError, http.client.HTTPException) as error:
            raise HarnessError(f"{page.path}: no answer ({error})") from error
        if page.status >= 500:
            broken.append(f"{page.path} answered {page.status}")
        if page.status != 200:
            log(f"{page.path}: HTTP {page.status}, not measured")
    if broken:
        log("forum071 log:\n" + forum.log_tail())
    count_queries(scratch.url, pages)
    measured = [page for page in pages if page.status == 200]

    ref_url = f"{reference.base}/"
    for page in measured:
        if args.warmup:
            load.run(forum.base + page.path, args.warmup)
    if args.warmup:
        load.run(ref_url, args.warmup)
    reference_runs: list[Measurement] = []
    for round_number in range(1, args.rounds + 1):
        for page in measured:
            a = load.run(forum.base + page.path, args.duration)
            b = load.run(ref_url, args.duration)
            page.runs.append(a)
            page.reference_runs.append(b)
            reference_runs.append(b)
            log(
                f"round {round_number} {page.label}: {a.rps:,.0f} req/s p50 {a.p50_ms:.1f} ms "
                f"p99 {a.p99_ms:.1f} ms | reference {b.rps:,.0f} req/s"
            )
            if a.errors:
                log(f"  {a.errors} errors under load on {page.path}")
            if forum.process.poll() is not None:
                raise HarnessError(f"forum071 died during the run:\n{forum.log_tail()}")
    for server in (forum, reference):
        if server.process.poll() is not None:
            raise HarnessError(f"{server.name} died during the run:\n{server.log_tail()}")

    table, passed, failed = render_table(pages, reference_runs)
    quick = " (--quick)" if args.quick else ""
    cache = ", visitors' page cache off" if args.no_page_cache else ""
    title = f"forum071 bench: {args.db}{quick}{cache}"
    lines = header(args, scratch, load)
    missing = [page.path for page in pages if page.status == 404]
    report = "\n".join(
        [
            f"### {title}",
            "",
            *lines,
            "",
            table,
            "",
            f"Targets: {passed} PASS, {failed} FAIL"
            + (f"; not measured (404): {', '.join(missing)}" if missing else ""),
            "Targets: front/theme/project >= 0.6x reference req/s, thread >= 0.5x, search >= 0.3x "
            f"and p50 < {SEARCH_P50_MS:g} ms, p99 < {P99_MS:g} ms and <= {MAX_QUERIES} SQL "
            "queries on every page. The deep theme page has no req/s target.",
        ]
    )
    print()
    print(report, flush=True)
    print()
    if not (args.quick or args.no_results):
        write_results(args.db, args.posts, report, page_cache=not args.no_page_cache)
        log(f"Wrote {RESULTS.relative_to(ROOT)}")
    log(f"Finished in {time.perf_counter() - started:.0f} s")
    if broken:
        raise HarnessError("pages answered 5xx: " + "; ".join(broken))
    errors_under_load = [p.path for p in measured if any(m.errors for m in p.runs)]
    if args.quick and errors_under_load:
        raise HarnessError("errors under load on: " + ", ".join(errors_under_load))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with contextlib.ExitStack() as stack:
        if args.keep:
            DATA.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix="forum071-bench-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        # Stop the servers on Ctrl-C and on TERM as well.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            return run(args, workdir, stack)
        except HarnessError as error:
            print(f"\nbench/run: harness failed: {error}", file=sys.stderr, flush=True)
            return 1
        except KeyboardInterrupt:
            print("\nbench/run: interrupted", file=sys.stderr)
            return 130


if __name__ == "__main__":
    sys.exit(main())
