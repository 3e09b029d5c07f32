"""Alertmanager webhook benchmark: alerts per second, p99 and de-duplication under load.

    .venv/bin/python bench/alerts.py            # about 2 minutes on 2 cores

A fresh PostgreSQL database (migrated, demo data), one Alertmanager integration with two
mapping rules and a token, gunicorn with sync workers on 127.0.0.1 and a Celery worker (Redis
broker), then Alertmanager-shaped POSTs (version 4, a group of alerts per request, Bearer
token) from concurrent client threads in three phases. The endpoint stores the alerts and
answers 202; the worker opens, notes and resolves incidents in order per alert:

  fire     every group twice at the same moment (as an HA pair of Alertmanagers sends it):
           the first opens one incident per alert, the twin must only add work notes
  repeat   every group again, --repeats times: work notes
  resolve  every group with all alerts resolved: the incidents resolve

The table gives the endpoint's alerts/s and latency per phase, then how long the worker took to
process them all; afterwards the database is counted: incidents opened by the integration
against the number of distinct alerts, resolved ones, work notes and open-alert rows left. The table is printed and
written to bench/results/alerts-<date>.txt. Loopback only; gunicorn is stopped, the database
dropped and the Redis db flushed on exit, failure included.
"""

import argparse
import contextlib
import datetime as dt
import hashlib
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv/bin/python")
GUNICORN = str(ROOT / ".venv/bin/gunicorn")
CELERY = str(ROOT / ".venv/bin/celery")
URL = "/api/v1/integrations/alertmanager/"
SETUP = """
from django.contrib.auth import get_user_model
from catalog.models import Service
from integrations.models import AlertRule
from integrations.services import integration_create, token_create
admin = get_user_model().objects.filter(is_superuser=True).first() or get_user_model().objects.get(username="admin")
services = list(Service.objects.filter(support_group__isnull=False).order_by("pk")[:2])
integration = integration_create(actor=admin, data={"name": "Prometheus (bench)",
    "kind": "alertmanager", "default_service": services[0], "default_impact": 3, "default_urgency": 3})
AlertRule.objects.create(integration=integration, position=1, label="service",
    pattern="svc[0-4]", service=services[-1])
AlertRule.objects.create(integration=integration, position=2, label="severity",
    pattern="critical", impact=1, urgency=1)
token, secret = token_create(actor=admin, name="bench", scope="integration", integration=integration)
print("TOKEN=" + secret)
print("USER=" + str(integration.user_id))
"""
COUNT = """
from django.db.models import Max, Min
from core.models import TimelineKind
from incidents.models import Incident, IncidentComment
from integrations.models import AlertEvent, OpenAlert
import json
user = {user}
opened = Incident.objects.filter(opened_by_id=user)
span = AlertEvent.objects.exclude(key="warmup").aggregate(
    first=Min("received_at"), last=Max("processed_at"))
print("COUNTS=" + json.dumps({{
    "pending": AlertEvent.objects.filter(processed_at__isnull=True).count(),
    "errors": AlertEvent.objects.filter(outcome="error").count(),
    "processing_seconds": (span["last"] - span["first"]).total_seconds() if span["last"] else None,
    "incidents": opened.count(),
    "resolved": opened.filter(state="resolved").count(),
    "work_notes": IncidentComment.objects.filter(author_id=user, kind=TimelineKind.WORK_NOTE).count(),
    "open_alerts": OpenAlert.objects.count(),
}}))
"""


def env_for(args):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="itsm.settings",
        DEBUG="false",
        SECRET_KEY="bench-only-" + "0" * 50 + "-not-for-production",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/" + args.db,
        CELERY_BROKER_URL="redis://127.0.0.1:6379/{n}".format(n=args.redis_db),
        REDIS_URL="redis://127.0.0.1:6379/{n}".format(n=args.redis_db),
        CACHE_KEY_PREFIX="bench-alerts",
        VAR_DIR=str(ROOT / "bench/.run-alerts/var"),
        LOG_LEVEL="WARNING",
        API_THROTTLE_INTEGRATION="100000000/min",  # a load test, not a rate-limit test
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def psql(sql):
    subprocess.run(  # noqa: S603 - loopback psql with our own SQL
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1",  # noqa: S607
         "-qAt", "-c", sql],
        check=True, timeout=120,
    )  # fmt: skip


def redis_flush(db):
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", 6379), 3) as s:
        s.sendall("SELECT {db}\r\nFLUSHDB\r\n".format(db=db).encode())
        s.recv(100)


def manage(env, *argv, timeout=600):
    return subprocess.run(  # noqa: S603
        [PY, "manage.py", *argv], cwd=ROOT, env=env, check=True, timeout=timeout,
        capture_output=True, text=True,
    ).stdout  # fmt: skip


def shell_value(output, key):
    for line in output.splitlines():
        if line.startswith(key + "="):
            return line[len(key) + 1 :]
    raise SystemExit("bench/alerts.py: no {k} in: {o}".format(k=key, o=output[-500:]))


def fingerprint(labels):
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]


def groups_of(args):
    """The alert groups as Alertmanager would send them: alertname+service per group."""
    groups = []
    for g in range(args.groups):
        alerts = []
        for i in range(args.per_group):
            labels = {
                "alertname": "BenchAlert{g}".format(g=g),
                "service": "svc{n}".format(n=g % 10),
                "instance": "host-{g}-{i}:9100".format(g=g, i=i),
                "severity": "critical" if i % 4 == 0 else "warning",
            }
            alerts.append(
                {
                    "labels": labels,
                    "annotations": {"summary": "Load test alert {i} of group {g}".format(i=i, g=g)},
                    "startsAt": "2026-11-25T10:00:00Z",
                    "generatorURL": "http://prometheus.local/graph?g0.expr=up",
                    "fingerprint": fingerprint(labels),
                }
            )
        groups.append(alerts)
    return groups


def payload(alerts, status):
    return json.dumps(
        {
            "receiver": "itsm-desk",
            "status": status,
            "alerts": [
                {**a, "status": status,
                 "endsAt": "2026-11-25T11:00:00Z" if status == "resolved" else "0001-01-01T00:00:00Z"}
                for a in alerts
            ],
            "groupLabels": {"alertname": alerts[0]["labels"]["alertname"]},
            "commonLabels": {"alertname": alerts[0]["labels"]["alertname"]},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager.local:9093",
            "version": "4",
            "groupKey": '{}:{alertname="' + alerts[0]["labels"]["alertname"] + '"}',
            "truncatedAlerts": 0,
        }
    ).encode()  # fmt: skip


def send(port, token, body):
    """One POST; (seconds, status)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST", URL, body=body,
            headers={"Content-Type": "application/json", "Authorization": "Bearer " + token,
                     "User-Agent": "Alertmanager/0.25.0"},
        )  # fmt: skip
        response = conn.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0
    finally:
        conn.close()
    return time.perf_counter() - started, status


def run_phase(name, bodies, alerts_per_body, port, token, concurrency):
    """POST every body (bodies that must race are adjacent pairs), `concurrency` at a time."""
    results, lock, index = [], threading.Lock(), [0]

    def worker():
        while True:
            with lock:
                i = index[0]
                index[0] += 1
            if i >= len(bodies):
                return
            seconds, status = send(port, token, bodies[i])
            with lock:
                results.append((seconds, status))

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies = sorted(r[0] for r in results)
    failures = sum(1 for r in results if r[1] != 202)
    return {
        "phase": name,
        "requests": len(results),
        "alerts": len(results) * alerts_per_body,
        "seconds": wall,
        "alerts_per_s": len(results) * alerts_per_body / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "failures": failures,
        "statuses": sorted({r[1] for r in results}),
    }


def _output(*cmd):
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False).stdout  # noqa: S603


def _check(got, expected):
    return "" if got == expected else "  <-- MISMATCH"


def report(args, phases, counts, distinct, expected_notes, server_errors):
    """The result table as lines."""
    pg = (_output("psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version")
          .strip().split(" ")[0])  # fmt: skip
    head = "{:<8} {:>9} {:>8} {:>9} {:>10} {:>8} {:>8} {:>9}"
    row = "{phase:<8} {requests:>9} {alerts:>8} {seconds:>9.1f} {alerts_per_s:>10.0f} "
    row += "{p50_ms:>8.0f} {p99_ms:>8.0f} {failures:>9}"
    total_alerts = sum(p["alerts"] for p in phases)
    total_seconds = sum(p["seconds"] for p in phases)
    total = {
        "phase": "all",
        "requests": sum(p["requests"] for p in phases),
        "alerts": total_alerts,
        "seconds": total_seconds,
        "alerts_per_s": total_alerts / total_seconds,
        "p50_ms": statistics.median(p["p50_ms"] for p in phases),
        "p99_ms": max(p["p99_ms"] for p in phases),
        "failures": sum(p["failures"] for p in phases),
    }
    when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return [
        "Alertmanager webhook benchmark, " + when,
        "commit {c}, Python {py}, PostgreSQL {pg}, {cpus} CPUs; gunicorn {w} sync workers; "
        "{conc} client threads on the same machine".format(
            c=_output("git", "rev-parse", "--short", "HEAD").strip(),
            py=platform.python_version(),
            pg=pg,
            cpus=os.cpu_count(),
            w=args.workers,
            conc=args.concurrency,
        ),
        "{g} groups x {n} alerts = {d} distinct alerts; one request carries one group".format(
            g=args.groups, n=args.per_group, d=distinct
        ),
        "load average at the end (1/5/15 min): {:.1f} / {:.1f} / {:.1f} (other work on the "
        "machine competes with gunicorn, the worker and PostgreSQL)".format(*os.getloadavg()),
        "",
        head.format("phase", "requests", "alerts", "seconds", "alerts/s", "p50 ms", "p99 ms",
                    "non-202"),
        *(row.format(**p) for p in phases),
        row.format(**total),
        "",
        "incidents opened:   {got} (expected {exp}: one per distinct alert){m}".format(
            got=counts["incidents"], exp=distinct, m=_check(counts["incidents"], distinct)
        ),
        "incidents resolved: {got} (expected {exp}){m}".format(
            got=counts["resolved"], exp=distinct, m=_check(counts["resolved"], distinct)
        ),
        "work notes:         {got} (expected {exp}: the twin + {r} repeats per alert){m}".format(
            got=counts["work_notes"], exp=expected_notes, r=args.repeats,
            m=_check(counts["work_notes"], expected_notes),
        ),
        "open-alert rows left: {n}; alerts not processed: {p}; refused: {r}; server errors in "
        "the gunicorn log: {e}".format(
            n=counts["open_alerts"], p=counts["pending"], r=counts["errors"], e=server_errors
        ),
        "",
        "worker (Celery, concurrency {c}): all {a} alerts processed {s:.1f} s after the first "
        "arrived: {r:.0f} alerts/s end to end".format(
            c=args.celery_concurrency, a=total_alerts, s=counts["processing_seconds"] or 0,
            r=total_alerts / (counts["processing_seconds"] or 1),
        ),
        ("(the 'all' row: alerts/s over the three phases' wall time; p50 the median of the "
        "phases' medians, p99 the worst phase's)"),
    ]  # fmt: skip


def wait_for(port, proc, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("bench/alerts.py: gunicorn exited")
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        time.sleep(0.5)
    raise SystemExit("bench/alerts.py: gunicorn did not answer /healthz")


def _stop(proc, timeout):
    """SIGTERM, then SIGKILL if it has not ended within `timeout` seconds."""
    if proc is None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--per-group", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--celery-concurrency", type=int, default=4)
    parser.add_argument("--drain-timeout", type=int, default=900)
    parser.add_argument("--port", type=int, default=8702)
    parser.add_argument("--db", default="itsm_bench_alerts")
    parser.add_argument("--redis-db", type=int, default=12)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    if not args.db.startswith("itsm_bench"):
        raise SystemExit("--db must start with itsm_bench (it is dropped)")
    if not (1 <= args.groups <= 100000 and 1 <= args.per_group <= 1000):
        raise SystemExit("--groups 1..100000, --per-group 1..1000")
    env = env_for(args)
    run_dir = ROOT / "bench/.run-alerts"
    shutil.rmtree(run_dir, ignore_errors=True)
    (run_dir / "var").mkdir(parents=True)
    gunicorn = worker = None
    ok = False
    try:
        print("== database", args.db, flush=True)
        psql('DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'.format(db=args.db))
        psql('CREATE DATABASE "{db}"'.format(db=args.db))
        redis_flush(args.redis_db)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "demo_data", "--quiet")
        out = manage(env, "shell", "-c", SETUP)
        token, user = shell_value(out, "TOKEN"), shell_value(out, "USER")

        print("== gunicorn:", args.workers, "sync workers on 127.0.0.1:{p}".format(p=args.port))
        log = (run_dir / "gunicorn.log").open("w")
        gunicorn = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
            [GUNICORN, "itsm.wsgi:application", "--chdir", str(ROOT), "--workers",
             str(args.workers), "--worker-class", "sync", "--bind",
             "127.0.0.1:{p}".format(p=args.port), "--timeout", "60"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(args.port, gunicorn)
        print("== celery worker: concurrency", args.celery_concurrency, flush=True)
        celery_log = (run_dir / "celery.log").open("w")
        worker = subprocess.Popen(  # noqa: S603 - our own venv's celery
            [CELERY, "-A", "itsm", "worker", "--loglevel", "WARNING", "--concurrency",
             str(args.celery_concurrency), "--without-heartbeat", "--without-gossip",
             "--without-mingle"],
            cwd=ROOT, env=env, stdout=celery_log, stderr=subprocess.STDOUT,
        )  # fmt: skip

        groups = groups_of(args)
        distinct = args.groups * args.per_group
        # warm every worker up (imports, connections) on a group outside the measured set
        warm = groups_of(argparse.Namespace(groups=1, per_group=1))[0]
        warm[0]["labels"]["alertname"] = "Warmup"
        warm[0]["fingerprint"] = "warmup"
        for _ in range(args.workers * 2):
            send(args.port, token, payload(warm, "firing"))
        send(args.port, token, payload(warm, "resolved"))

        phases = []
        print("== fire: {n} groups × 2 (twins sent together)".format(n=args.groups), flush=True)
        fire = [payload(g, "firing") for g in groups for _twin in (0, 1)]
        phases.append(run_phase("fire", fire, args.per_group, args.port, token, args.concurrency))
        print("== repeat × {r}".format(r=args.repeats), flush=True)
        repeat = [payload(g, "firing") for _ in range(args.repeats) for g in groups]
        phases.append(
            run_phase("repeat", repeat, args.per_group, args.port, token, args.concurrency)
        )
        print("== resolve", flush=True)
        resolve = [payload(g, "resolved") for g in groups]
        phases.append(
            run_phase("resolve", resolve, args.per_group, args.port, token, args.concurrency)
        )

        print("== waiting for the worker to process everything", flush=True)
        deadline = time.monotonic() + args.drain_timeout
        while True:
            counts = json.loads(
                shell_value(manage(env, "shell", "-c", COUNT.format(user=user)), "COUNTS")
            )
            if counts["pending"] == 0 or time.monotonic() > deadline:
                break
            print("   ", counts["pending"], "alerts still to process", flush=True)
            time.sleep(5)
        # one warm-up incident (opened, noted, resolved) is in the counts: take it out
        counts = {**counts, "incidents": counts["incidents"] - 1,
                  "resolved": counts["resolved"] - 1,
                  "work_notes": counts["work_notes"] - (args.workers * 2 - 1)}  # fmt: skip
        expected_notes = distinct * (1 + args.repeats)
        server_errors = (run_dir / "gunicorn.log").read_text().count("Internal Server Error")

        lines = report(args, phases, counts, distinct, expected_notes, server_errors)
        text = "\n".join(lines) + "\n"
        print()
        print(text)
        results = ROOT / "bench/results"
        results.mkdir(exist_ok=True)
        out_file = results / "alerts-{d}.txt".format(
            d=dt.datetime.now().astimezone().date().isoformat()
        )
        out_file.write_text(text)
        print("written to", out_file.relative_to(ROOT))
        ok = (
            counts["incidents"] == distinct
            and counts["resolved"] == distinct
            and counts["pending"] == 0
            and all(p["failures"] == 0 for p in phases)
        )
    finally:
        _stop(worker, timeout=20)
        _stop(gunicorn, timeout=15)
        if not args.keep_db:
            with contextlib.suppress(subprocess.SubprocessError):
                psql('DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'.format(db=args.db))
            redis_flush(args.redis_db)
            if ok:
                shutil.rmtree(run_dir, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
