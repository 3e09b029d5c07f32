"""Real Celery workers and beat schedulers as subprocesses, on the test database and Redis.

The processes connect to the PostgreSQL test database of the running test (its data must be
committed: use the `postgresql` fixture, which is transactional) and to a Redis database of
their own (8-13; one per xdist worker), and send e-mail to files under a temp directory.
"""

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(ROOT / ".venv" / "bin" / "celery")
REDIS_HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("TEST_REDIS_PORT", "6379"))


def redis_db() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return 8 + int(worker.removeprefix("gw") or 0) % 6


def database_url() -> str:
    s = connection.settings_dict
    return "postgres://{user}{password}@{host}:{port}/{name}".format(
        user=s["USER"] or "postgres",
        password=(":" + s["PASSWORD"]) if s["PASSWORD"] else "",
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        name=s["NAME"],
    )


def redis_command(*args: str, port: int = REDIS_PORT, db: int | None = None) -> bytes:
    """One Redis command over a plain socket (RESP), so no client state leaks into tests."""
    import socket

    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        raw = arg.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(raw), raw))
    with socket.create_connection((REDIS_HOST, port), timeout=5) as sock:
        if db is not None:
            sock.sendall(b"*2\r\n$6\r\nSELECT\r\n$%d\r\n%d\r\n" % (len(str(db)), db))
            sock.recv(100)
        sock.sendall(b"".join(parts))
        return sock.recv(65536)


class Processes:
    """Starts Celery processes and stops every one of them (by pid) on exit."""

    def __init__(self, tmp_path: Path, *, broker_port: int = REDIS_PORT, db: int | None = None):
        self.tmp = tmp_path
        self.db = redis_db() if db is None else db
        self.broker = "redis://{host}:{port}/{db}".format(
            host=REDIS_HOST, port=broker_port, db=self.db
        )
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "itsm.settings",
            "DATABASE_URL": database_url(),
            "CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": self.broker,
            "REDIS_URL": "",
            "VAR_DIR": str(self.tmp / "var"),
            "EMAIL_URL": "filemail:///" + str(self.mail_dir),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            "TEST_BEAT_SECONDS": "1",
        }
        env.pop("PYTEST_XDIST_WORKER", None)
        env.pop("CELERY_TASK_ALWAYS_EAGER", None)
        env.update(extra)
        return env

    def start(self, name: str, args: list[str], **env: str) -> subprocess.Popen:
        log = (self.tmp / (name + ".log")).open("w")
        proc = subprocess.Popen(  # noqa: S603 - our own venv's celery, fixed arguments
            args, cwd=ROOT, env=self.env(**env), stdout=log, stderr=subprocess.STDOUT
        )
        self.procs.append((name, proc))
        return proc

    def worker(self, name: str, **env: str) -> subprocess.Popen:
        return self.start(
            name,
            [
                CELERY, "-A", "itsm", "worker", "--loglevel", "INFO", "--concurrency", "1",
                "--hostname", name + "@%h", "--without-heartbeat", "--without-gossip",
                "--without-mingle", "--pool", "prefork",
            ],
            **env,
        )  # fmt: skip

    def beat(self, name: str, **env: str) -> subprocess.Popen:
        """A beat on tests.postgres.fastbeat: the production schedule's scanners, every second."""
        return self.start(
            name,
            [
                CELERY, "-A", "tests.postgres.fastbeat", "beat", "--loglevel", "INFO",
                "--schedule", str(self.tmp / (name + "-schedule")), "--pidfile", "",
            ],
            **env,
        )  # fmt: skip

    def log(self, name: str) -> str:
        return (self.tmp / (name + ".log")).read_text(errors="replace")

    def kill(self, proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
        """Signal one process and its children (a prefork worker's pool) by process group."""
        if proc.poll() is None:
            for child in _children(proc.pid):
                os.kill(child, sig)
            proc.send_signal(sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for _name, proc in reversed(self.procs):
            self.kill(proc)
        self.procs.clear()

    def mails(self) -> list[str]:
        """The Subject lines of every e-mail the processes sent."""
        return [
            line.removeprefix("Subject: ")
            for path in sorted(self.mail_dir.glob("*.log"))
            for line in path.read_text(errors="replace").splitlines()
            if line.startswith("Subject: ")
        ]

    def __enter__(self) -> "Processes":
        redis_command("FLUSHDB", db=self.db)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()
        with contextlib.suppress(OSError):
            redis_command("FLUSHDB", db=self.db)
        connection.close()  # let the test's flush run without the processes' view of it


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(  # noqa: S603
            ["/usr/bin/pgrep", "-P", str(pid)], capture_output=True, text=True, timeout=5
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [int(p) for p in out.split()]


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, logs=None) -> object:
    """Poll `condition` (fresh database reads) until it is truthy or the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        connection.close()  # a new snapshot each time
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            detail = ""
            if logs is not None:
                detail = "\n".join(
                    "--- {n}\n{log}".format(n=n, log=logs.log(n)[-3000:]) for n, _p in logs.procs
                )
            raise AssertionError("timed out waiting for " + what + "\n" + detail)
        time.sleep(0.5)


__all__ = ["Processes", "database_url", "redis_command", "wait_for"]
