"""Slow clients against gunicorn alone and behind nginx (deploy/): normal requests stay fast
behind nginx while the slow ones hang.

    .venv/bin/python bench/slowclients.py [--slow 4] [--seconds 12]

Everything runs on 127.0.0.1 ports: gunicorn with deploy/gunicorn.conf.py (its 2 sync workers,
production settings, an empty SQLite database: ``GET /healthz`` is all that is asked of it) and
nginx with deploy/nginx.conf. For each of the two in turn, ``--slow`` connections send a request
one header line every 2 s and never finish it, while a normal ``GET /healthz`` is timed once a
second (each given 5 s). Bounded: at most 32 slow clients and 60 s per server.

Needs nginx (``apt-get install nginx-light``; it is only run from a temporary folder, never as a
service). tests/test_deploy.py uses the same pieces.
"""

import argparse
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
HOST = "127.0.0.1"
MAX_SLOW_CLIENTS = 32
MAX_SECONDS = 60


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _die_with_parent():
    """Child side of fork: ask Linux to stop the server if this process is killed."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def get(url, *, timeout=5, headers=None):
    """``(status or None if no answer within timeout, seconds, response headers)``."""
    started = time.monotonic()
    request = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read()
            return response.status, time.monotonic() - started, response.headers
    except urllib.error.HTTPError as error:
        return error.code, time.monotonic() - started, error.headers
    except (TimeoutError, urllib.error.URLError, ConnectionError):
        return None, time.monotonic() - started, {}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wait_until_answering(url, process, what):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited at start")
        if get(url, timeout=2)[0] == 200:
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer within 60 s")


class Server:
    """A child process serving on a loopback port, stopped on exit."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.port = free_port()
        self.process = None

    def url(self, path):
        return f"http://{HOST}:{self.port}{path}"

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()


class Gunicorn(Server):
    """gunicorn with deploy/gunicorn.conf.py and production settings, on an empty SQLite file."""

    def start(self):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "budget2026.settings",
            "DEBUG": "0",
            "SECRET_KEY": "slow-client-check-only-0123456789-abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,budget.example.org",
            "DATABASE_URL": f"sqlite:///{self.folder / 'empty.sqlite3'}",
            "CACHE_URL": "",
            "TRUSTED_PROXY_COUNT": "1",
            "PYTHONPATH": str(ROOT),
        }
        self.log = open(self.folder / "gunicorn.log", "a")  # noqa: SIM115 (closed on exit)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                str(DEPLOY / "gunicorn.conf.py"),
                "--bind",
                f"{HOST}:{self.port}",
                "budget2026.wsgi",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        wait_until_answering(self.url("/healthz"), self.process, "gunicorn")


def nginx_binary():
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def site_config(listen_port, upstream_port):
    """deploy/nginx.conf as it is, listening on and passing to the given loopback ports."""
    text = (DEPLOY / "nginx.conf").read_text()
    for old, new in [
        ("listen 80;", f"listen {HOST}:{listen_port};"),
        ("server 127.0.0.1:8000 ", f"server {HOST}:{upstream_port} "),
    ]:
        if old not in text:
            raise ValueError(f"deploy/nginx.conf no longer has {old!r}")
        text = text.replace(old, new)
    return text


class Nginx(Server):
    """nginx with deploy/nginx.conf, run from a temporary folder in front of ``upstream``."""

    def __init__(self, folder, upstream):
        super().__init__(folder)
        self.upstream = upstream

    def write_config(self):
        (self.folder / "site.conf").write_text(site_config(self.port, self.upstream.port))
        temp = self.folder / "nginx-temp"
        temp.mkdir(exist_ok=True)
        main = self.folder / "nginx.conf"
        main.write_text(
            f"""daemon off;
worker_processes 1;
pid {self.folder / "nginx.pid"};
error_log {self.folder / "nginx-error.log"} warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    include {self.folder / "site.conf"};
}}
"""
        )
        return main

    def test_config(self):
        """``nginx -t`` on the configuration: (passed, what nginx said)."""
        main = self.write_config()
        result = subprocess.run(
            [nginx_binary(), "-t", "-p", str(self.folder), "-c", str(main)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return result.returncode == 0, result.stderr

    def start(self):
        main = self.write_config()
        self.log = open(self.folder / "nginx.log", "a")  # noqa: SIM115 (closed on exit)
        self.process = subprocess.Popen(
            [nginx_binary(), "-p", str(self.folder), "-c", str(main)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        wait_until_answering(self.url("/healthz"), self.process, "nginx")


@contextlib.contextmanager
def server_folder():
    """A temporary folder nginx's unprivileged workers can use too."""
    folder = tempfile.mkdtemp(prefix="budget2026-slowclients-")
    os.chmod(folder, 0o755)
    try:
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class SlowClients:
    """``count`` connections to ``port`` that send a request one header line every ``interval``
    seconds and never finish it; ``answered`` counts those that got anything back, ``dropped``
    those the server closed without an answer."""

    def __init__(self, port, count, interval=2.0):
        if not 1 <= count <= MAX_SLOW_CLIENTS:
            raise ValueError(f"between 1 and {MAX_SLOW_CLIENTS} slow clients, not {count}")
        self.port = port
        self.count = count
        self.interval = interval
        self.stopping = threading.Event()
        self.connected = threading.Barrier(count + 1)
        self.answered = 0
        self.dropped = 0
        self.threads = [threading.Thread(target=self.trickle, daemon=True) for _ in range(count)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        self.connected.wait(timeout=30)  # every slow client has sent its first line
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=self.interval + 5)

    def trickle(self):
        with socket.create_connection((HOST, self.port), timeout=30) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            self.connected.wait(timeout=30)
            sock.settimeout(self.interval)
            line = 0
            while not self.stopping.is_set():
                try:
                    received = sock.recv(1)
                except TimeoutError:
                    received = None  # nothing back, as expected: send the next line
                except OSError:
                    received = b""
                if received is not None:
                    if received:
                        self.answered += 1
                    else:
                        self.dropped += 1  # e.g. nginx's client_header_timeout
                    return
                line += 1
                try:
                    sock.sendall(f"X-Slow-{line}: {line}\r\n".encode())
                except OSError:
                    self.dropped += 1
                    return


def timed_requests(url, seconds, *, timeout=5):
    """A GET of ``url`` about once a second for ``seconds``: a list of (status, seconds)."""
    results = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, took, _headers = get(url, timeout=timeout)
        results.append((status, took))
        time.sleep(max(0.0, 1.0 - took))
    return results


def summary(name, results, slow):
    answered = [took for status, took in results if status == 200]
    unanswered = len(results) - len(answered)
    slowest = f"{max(answered) * 1000:,.0f} ms" if answered else "-"
    return (
        f"| {name} | {slow.count} | {len(results)} | {len(answered)} | {unanswered} | "
        f"{slowest} | {slow.answered} | {slow.dropped} |"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slow", type=int, default=4, help="slow clients (1 to 32)")
    parser.add_argument("--seconds", type=int, default=12, help="per server (1 to 60)")
    args = parser.parse_args()
    if not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be between 1 and {MAX_SECONDS}")
    if not 1 <= args.slow <= MAX_SLOW_CLIENTS:
        parser.error(f"--slow must be between 1 and {MAX_SLOW_CLIENTS}")
    if not nginx_binary():
        parser.error("nginx is not installed (apt-get install nginx-light)")
    rows = []
    with server_folder() as folder, Gunicorn(folder) as gunicorn, Nginx(folder, gunicorn) as nginx:
        for name, server in [("gunicorn alone", gunicorn), ("nginx in front", nginx)]:
            with SlowClients(server.port, args.slow) as slow:
                results = timed_requests(server.url("/healthz"), args.seconds)
            rows.append(summary(name, results, slow))
    print(
        f"Normal GET /healthz once a second for {args.seconds} s (5 s allowed each) while "
        f"{args.slow} clients send one header line every 2 s; gunicorn has 2 sync workers.\n"
    )
    print(
        "| Server | Slow clients | Normal requests | Answered | Not answered in 5 s | "
        "Slowest answer | Slow clients answered | Slow clients dropped |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
