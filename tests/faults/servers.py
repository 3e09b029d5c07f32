"""Real servers on loopback for the fault tests: our own redis-server, gunicorn, a throw-away
PostgreSQL cluster. Each is started and stopped by pid; the machine's own PostgreSQL (5432) and
Redis (6379) are never touched."""

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.postgres.processes import ROOT

GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, *, timeout: float = 30, up: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            if up:
                return
        except OSError:
            if not up:
                return
        time.sleep(0.2)
    raise AssertionError("port {p} did not go {s}".format(p=port, s="up" if up else "down"))


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


class RedisServer:
    """redis-server on a spare loopback port, no persistence; start() again after stop()."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.tmp = tmp
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed (apt-get install redis-server)"
        log = (self.tmp / "redis.log").open("a")
        self.proc = subprocess.Popen(  # noqa: S603
            [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.tmp)],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_port(self.port)

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)
            self.proc = None
        wait_port(self.port, up=False)


class Gunicorn:
    """The desk under gunicorn (sync workers) on a spare port, with the given environment."""

    def __init__(self, tmp: Path, env: dict[str, str], *, workers: int = 2):
        self.port = free_port()
        self.url = "http://127.0.0.1:{p}".format(p=self.port)
        log = (tmp / "gunicorn.log").open("w")
        self.log_path = tmp / "gunicorn.log"
        self.proc = subprocess.Popen(  # noqa: S603
            [GUNICORN, "itsm.wsgi:application", "--chdir", str(ROOT), "--workers", str(workers),
             "--bind", "127.0.0.1:{p}".format(p=self.port), "--timeout", "60"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log_path.read_text()[-3000:]
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2)  # noqa: S310
                return
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.3)
        raise AssertionError("gunicorn did not start:\n" + self.log_path.read_text()[-3000:])

    def request(self, method: str, path: str, *, token: str, body=None, timeout: float = 30):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": "Token " + token, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def server_errors(self) -> int:
        return self.log_path.read_text(errors="replace").count("Internal Server Error")

    def stop(self) -> None:
        stop(self.proc)


def pg_bin(name: str) -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/" + name))
    assert found, name + " is needed (postgresql server binaries)"
    return found[-1]


class PostgresCluster:
    """A throw-away PostgreSQL cluster in a temp dir on a spare port (trust auth)."""

    def __init__(self):
        # Not under pytest's tmp_path: its parents are private to root, and the server runs as
        # the postgres user when we are root.
        self.dir = Path(tempfile.mkdtemp(prefix="itsm-faults-pg-"))
        self.port = free_port()
        self.as_postgres = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root (DEPENDENCIES §5.17)
            shutil.chown(self.dir, "postgres")
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self._run(pg_bin("initdb"), "-D", str(self.dir / "data"), "-U", "postgres", "-A", "trust")

    def _run(self, *args: str) -> None:
        subprocess.run(  # noqa: S603
            [*self.as_postgres, *args], check=True, capture_output=True, timeout=120
        )

    def pg_ctl(self, action: str, *extra: str) -> None:
        self._run(
            pg_bin("pg_ctl"), "-D", str(self.dir / "data"), "-l", str(self.dir / "log"),
            "-w", "-t", "60", action, *extra,
        )  # fmt: skip

    def start(self) -> None:
        self.pg_ctl(
            "start",
            "-o",
            "-c listen_addresses=127.0.0.1 -p {p} -k {d}".format(p=self.port, d=self.dir),
        )

    def restart(self) -> None:
        self.pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.pg_ctl("stop", "-m", "fast")
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, db: str) -> str:
        return "postgres://postgres@127.0.0.1:{p}/{db}".format(p=self.port, db=db)
