"""SQL queries per request for the five benchmark scenarios, in-process.

Django's test Client against the benchmark database (the same environment as bench/run.sh),
each request counted with CaptureQueriesContext after one warm-up request (so one-off work,
such as the first load of the content types or an SLA calendar, is not counted). Checks the
status codes too, so it doubles as the smoke test before the load run.

    .venv/bin/python bench/queries.py --out queries.json

Prints one line per scenario; --out writes {"scenario": {"queries": n, "min": a, "max": b,
"status": code, "ms": t, "sql_ms": s}} for bench/report.py (ms: one request at a time,
in-process; sql_ms: the part spent in the database driver). --show NAME prints the SQL.
"""

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from catalog.models import Service  # noqa: E402
from incidents.models import Incident  # noqa: E402

SAMPLES = 10  # requests per scenario after the warm-up; the figures are their mean


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out")
    parser.add_argument("--show", help="print the SQL of this scenario")
    args = parser.parse_args()

    rng = random.Random(7)
    erik = get_user_model().objects.get(username="erik")
    token, _ = Token.objects.get_or_create(user=erik)
    host = {"HTTP_HOST": "127.0.0.1"}  # ALLOWED_HOSTS of the benchmark
    session = Client(**host)
    session.force_login(erik)
    api = Client(**host, HTTP_AUTHORIZATION="Token " + token.key)
    numbers = list(Incident.objects.order_by("-pk").values_list("number", flat=True)[:100_000])
    service_ids = list(Service.objects.filter(lifecycle="live").values_list("pk", flat=True))

    def create():
        body = {
            "title": "Benchmark: printer jam on floor {n}".format(n=rng.randint(1, 9)),
            "service": rng.choice(service_ids),
            "impact": rng.choice([2, 3]),
            "urgency": rng.choice([2, 3]),
        }
        return api.post(
            "/api/v1/incidents/", data=json.dumps(body), content_type="application/json"
        )

    scenarios = {
        "me": (lambda: session.get("/accounts/me/"), 200),
        "queue": (lambda: session.get("/incidents/?queue=all"), 200),
        "detail": (lambda: session.get("/incidents/{n}/".format(n=rng.choice(numbers))), 200),
        "api_list": (lambda: api.get("/api/v1/incidents/?page_size=50"), 200),
        "api_create": (create, 201),
    }
    results = {}
    for name, (call, expected) in scenarios.items():
        response = call()  # warm-up
        if response.status_code != expected:
            sys.exit(
                "bench/queries.py: {name} answered {code}, expected {exp}: {body}".format(
                    name=name, code=response.status_code, exp=expected,
                    body=response.content[:300],
                )
            )  # fmt: skip
        counts, totals, sql_times = [], [], []

        def timed(execute, sql, params, many, context, sql_times=sql_times):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                sql_times[-1] += time.perf_counter() - started

        for _ in range(SAMPLES):
            sql_times.append(0.0)
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timed):
                response = call()
            totals.append(time.perf_counter() - started)
            if response.status_code != expected:
                sys.exit(
                    "bench/queries.py: {n} answered {c}".format(n=name, c=response.status_code)
                )
            counts.append(len(ctx.captured_queries))
            if args.show == name:
                for q in ctx.captured_queries:
                    print(
                        "  {t:>6} ms  {sql}".format(t=float(q["time"]) * 1000, sql=q["sql"][:400])
                    )
                args.show = None  # once
        results[name] = {
            "queries": round(sum(counts) / len(counts), 1),
            "min": min(counts),
            "max": max(counts),
            "status": response.status_code,
            # One request at a time, in this process: where the time goes without concurrency.
            "ms": round(1000 * sum(totals) / len(totals), 1),
            "sql_ms": round(1000 * sum(sql_times) / len(sql_times), 1),
        }
        print(
            "{name:<11} {q:>5} SQL queries/request (min {a}, max {b}; HTTP {s}); "
            "{ms:.1f} ms per request in-process, {sql:.1f} ms of it in SQL".format(
                name=name, q=results[name]["queries"], a=min(counts), b=max(counts),
                s=response.status_code, ms=results[name]["ms"], sql=results[name]["sql_ms"],
            )
        )  # fmt: skip
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
