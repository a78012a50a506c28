"""What the benchmark, soak and fuzz scripts share: databases, the gunicorn server, memory
sampling and wrk. Nothing here imports Django: the Django work runs in child processes
(``python -m bench.dataset``, ``python -m bench.pages``), each pointed at one database.
"""

import contextlib
import ctypes
import json
import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
# The production worker timeout (deploy/gunicorn.conf.py): a sync worker busy with one request
# for longer is killed, even while it streams.
PRODUCTION_TIMEOUT = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))["timeout"]
LUA = BENCH / "lua"

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/budget2026_bench"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/15"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def database_url():
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def small_database_url():
    """The second database, with 1,000 measures, for comparing query counts."""
    if os.environ.get("BENCH_SMALL_DATABASE_URL"):
        return os.environ["BENCH_SMALL_DATABASE_URL"]
    parts = urlsplit(database_url())
    return parts._replace(path=parts.path + "_small").geturl()


def curated_database_url():
    """A third database holding only the 20 curated measures of the fixtures, for fuzzing."""
    parts = urlsplit(database_url())
    return parts._replace(path=parts.path + "_curated").geturl()


def database_name(url):
    return urlsplit(url).path.lstrip("/")


def cache_url():
    return os.environ.get("BENCH_CACHE_URL", DEFAULT_CACHE_URL)


def log(message):
    print(message, file=sys.stderr, flush=True)


def ensure_local(url):
    host = urlsplit(url).hostname
    if host not in LOCAL_HOSTS:
        raise SystemExit(f"Refusing to use {url}: benchmarks only talk to 127.0.0.1.")


# --- PostgreSQL -----------------------------------------------------------------------------


def create_database(url):
    """Creates the database named in ``url`` unless it exists (needs psycopg, a dependency)."""
    import psycopg

    ensure_local(url)
    parts = urlsplit(url)
    name = database_name(url)
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            log(f"Creating database {name}")
            connection.execute(f'CREATE DATABASE "{name}"')


def flush_cache(url):
    """Empties the benchmark's own Redis database, so no page survives from an earlier run."""
    import redis

    ensure_local(url)
    redis.Redis.from_url(url).flushdb()


# --- Child processes with the production settings --------------------------------------------


def django_env(db_url, *, no_cache=False, extra=None):
    """The environment gunicorn and the Django child processes run in: production settings."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="0",
        SECRET_KEY="bench-only-secret",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=db_url,
        CACHE_URL=cache_url(),
        # One database's pages must never be served for another's.
        CACHE_KEY_PREFIX=f"bench-{database_name(db_url)}",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        LOG_LEVEL=env.get("LOG_LEVEL", "WARNING"),
    )
    if no_cache:
        env["BENCH_NO_CACHE"] = "1"
    env.update(extra or {})
    return env


def run_django(args, db_url, *, no_cache=False, capture=False, timeout=1800):
    """Runs ``python <args>`` in the project folder with the production settings."""
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=django_env(db_url, no_cache=no_cache),
        stdout=subprocess.PIPE if capture else None,
        text=True,
        timeout=timeout,
        check=True,
    )
    return result.stdout


def prepare_database(db_url, measures, *, build=True):
    """Creates, migrates and (if its size differs) fills one benchmark database."""
    create_database(db_url)
    if build:
        run_django(["-m", "bench.dataset", "--measures", str(measures)], db_url)


def prepare_curated_database(db_url):
    create_database(db_url)
    run_django(["manage.py", "migrate", "--noinput", "--verbosity", "0"], db_url)
    run_django(["manage.py", "seed", "--verbosity", "0"], db_url)  # only fills an empty database


def collect_static(db_url):
    # The manifest storage of production (DEBUG=0) refuses to start without collected files.
    run_django(["manage.py", "collectstatic", "--noinput", "--verbosity", "0"], db_url)


def page_facts(db_url, *, samples=False, counts=False, cold=False):
    args = ["-m", "bench.pages"]
    if samples:
        args.append("--samples")
    if counts:
        args.append("--counts")
    if cold:
        args.append("--cold")
    return json.loads(run_django(args, db_url, no_cache=True, capture=True))


# --- gunicorn -------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent():
    """Child side of fork: ask Linux to stop gunicorn if the benchmark itself is killed."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Server:
    """gunicorn serving the site with production settings on 127.0.0.1, stopped on exit."""

    def __init__(
        self,
        db_url,
        *,
        workers=2,
        worker_class="sync",
        threads=1,
        timeout=PRODUCTION_TIMEOUT,
        extra_env=None,
    ):
        self.db_url = db_url
        self.extra_env = extra_env
        self.workers = workers
        self.worker_class = worker_class
        self.threads = threads
        self.timeout = timeout
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None
        RESULTS.mkdir(exist_ok=True)
        self.log_path = RESULTS / "gunicorn.log"

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--timeout",
            str(self.timeout),
            "--error-logfile",
            str(self.log_path),
            "--log-level",
            "warning",
        ]
        self.log_file = open(self.log_path, "a")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=django_env(self.db_url, extra=self.extra_env),
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start: see {self.log_path}")
            with contextlib.suppress(OSError):
                if get(self.base + "/bench/ceiling/", timeout=2)[0] == 200 and (
                    len(self.worker_pids()) >= self.workers
                ):
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 60 s: see {self.log_path}")

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log_file.close()
        self.process = None

    def log_mark(self):
        """Where the log ends now: pass it to ``timeouts_since`` later."""
        self.log_file.flush()
        return self.log_path.stat().st_size

    def timeouts_since(self, mark):
        """How many workers gunicorn killed for running over --timeout since ``mark``."""
        with open(self.log_path, "rb") as log_file:
            log_file.seek(mark)
            return log_file.read().count(b"WORKER TIMEOUT")

    def worker_pids(self):
        return children_of(self.process.pid) if self.process else []

    def url(self, path):
        return self.base + path


# --- Memory ---------------------------------------------------------------------------------


def children_of(pid):
    try:
        import psutil

        return [child.pid for child in psutil.Process(pid).children()]
    except ImportError:
        pass
    except Exception:
        return []
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                # The command name may hold spaces or brackets: parse after its last ")".
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    pids.append(int(entry.name))
    return pids


def rss_bytes(pid):
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss
    except ImportError:
        pass
    except Exception:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class RssSampler:
    """Samples every gunicorn worker's resident memory every ``interval`` seconds."""

    def __init__(self, server, interval=0.2):
        self.server = server
        self.interval = interval
        self.samples = []  # (seconds since start, {pid: rss})
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def snapshot(self):
        return {pid: rss for pid in self.server.worker_pids() if (rss := rss_bytes(pid))}

    def __enter__(self):
        self.started = time.monotonic()
        self.before = self.snapshot()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.after = self.snapshot()

    def _run(self):
        while not self._stop.wait(self.interval):
            self.samples.append((time.monotonic() - self.started, self.snapshot()))

    def summary(self):
        """Per worker: before, peak and after; plus the largest rise of any worker."""
        workers = {}
        for pid in set(self.before) | {pid for _, snap in self.samples for pid in snap}:
            values = [snap[pid] for _, snap in self.samples if pid in snap]
            before = self.before.get(pid, values[0] if values else 0)
            peak = max([before, *values])
            workers[pid] = {
                "before_mb": mb(before),
                "peak_mb": mb(peak),
                "after_mb": mb(self.after.get(pid, 0)),
                "rise_mb": mb(peak - before),
            }
        return {
            "workers": workers,
            "peak_mb": max((w["peak_mb"] for w in workers.values()), default=0),
            "max_rise_mb": max((w["rise_mb"] for w in workers.values()), default=0),
            "samples": len(self.samples),
            "restarted": sorted(set(self.before) ^ set(self.after)) != [],
        }


def mb(value):
    return round(value / 2**20, 1)


# --- HTTP and wrk ---------------------------------------------------------------------------


def get(url, *, timeout=30, stream_to=None):
    """GET ``url`` (127.0.0.1 only): ``(status, body bytes, content type)``.

    With ``stream_to`` the body is read in pieces and passed to that function instead of kept.
    """
    ensure_local(url)
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (local only)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        content_type = response.headers.get("Content-Type", "")
        if stream_to is None:
            return response.status, response.read(), content_type
        while chunk := response.read(1 << 16):
            stream_to(chunk)
        return response.status, b"", content_type


class WrkError(RuntimeError):
    pass


def run_wrk(url, script, *, duration, connections, threads=2, timeout="10s", args=()):
    """Runs wrk with a Lua script whose ``done()`` prints one ``BENCH_JSON {...}`` line."""
    ensure_local(url)
    threads = max(1, min(threads, connections))
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        timeout,
        "-s",
        str(script),
        url,
    ]
    if args:
        command += ["--", *args]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 120, check=False
    )
    match = re.search(r"^BENCH_JSON (.*)$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or not match:
        raise WrkError(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    data = json.loads(match.group(1))
    seconds = data["duration_us"] / 1e6
    errors = data["errors"]
    return {
        "requests": data["requests"],
        "seconds": round(seconds, 2),
        "rps": round(data["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": round(data["latency_us"]["p50"] / 1000, 1),
        "p90_ms": round(data["latency_us"]["p90"] / 1000, 1),
        "p99_ms": round(data["latency_us"]["p99"] / 1000, 1),
        "max_ms": round(data["latency_us"]["max"] / 1000, 1),
        "errors": sum(errors.values()),
        "error_detail": errors,
        "mb_read": round(data["bytes"] / 2**20, 1),
    }


def lua_string(value):
    """A Lua string literal (the value is ASCII: percent-encoded already)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lua_list(values):
    return "{" + ", ".join(lua_string(str(v)) for v in values) + "}"


def write_lua(name, parts):
    """Writes a generated wrk script into bench/results/ (git-ignored) and returns its path."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / name
    path.write_text("\n".join(parts))
    return path


def lua_script(name, data_lines=(), body="fixed.lua"):
    """A wrk script: generated data, per-thread random seeding, a request generator from
    bench/lua, then the report."""
    return write_lua(
        name,
        [
            *data_lines,
            (LUA / "random.lua").read_text(),
            (LUA / body).read_text(),
            (LUA / "report.lua").read_text(),
        ],
    )


@contextlib.contextmanager
def terminate_on_sigterm():
    """Turns SIGTERM into SystemExit, so ``finally`` blocks stop gunicorn."""

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
