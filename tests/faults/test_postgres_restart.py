"""PostgreSQL restarted under load: the desk recovers by itself.

A throw-away cluster on a spare port (never the machine's 5432), the demo organisation in it,
gunicorn with persistent connections (CONN_MAX_AGE) and CONN_HEALTH_CHECKS; eight clients
read and create incidents through the API while the server restarts. Requests caught by the
restart get 503 with Retry-After (core.api.exceptions), and requests from two seconds after
the restart on all succeed, without restarting gunicorn.
"""

import os
import subprocess
import threading
import time

import psycopg2
import pytest

from tests.faults.servers import Gunicorn, PostgresCluster
from tests.postgres.processes import ROOT

pytestmark = [pytest.mark.faults, pytest.mark.slow]
PY = str(ROOT / ".venv" / "bin" / "python")
CLIENTS = 8


def manage(env, *args, timeout=600):
    return subprocess.run(  # noqa: S603
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        timeout=timeout,
    ).stdout  # fmt: skip


def test_requests_succeed_after_postgres_restarts_under_load(tmp_path):
    cluster = PostgresCluster()
    cluster.start()
    web = None
    try:
        admin = psycopg2.connect(cluster.url("postgres"))
        admin.autocommit = True
        admin.cursor().execute("CREATE DATABASE itsm_faults")
        admin.close()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "itsm.settings",
            "DATABASE_URL": cluster.url("itsm_faults"),
            "CONN_MAX_AGE": "600",
            "CELERY_BROKER_URL": "filesystem://",
            "REDIS_URL": "",
            "VAR_DIR": str(tmp_path / "var"),
            "API_THROTTLE_USER": "1000000/min",
            "API_THROTTLE_TOKEN": "1000000/min",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("PYTEST_XDIST_WORKER", None)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "demo_data", "--quiet")
        token = manage(
            env, "shell", "-v0", "-c",
            "from django.contrib.auth import get_user_model as u;"
            "from rest_framework.authtoken.models import Token as T;"
            "print(T.objects.get_or_create(user=u().objects.get(username='erik'))[0].key)",
        ).strip()  # fmt: skip
        service = manage(
            env, "shell", "-v0", "-c",
            "from catalog.models import Service; print(Service.objects.order_by('pk')[0].pk)",
        ).strip()  # fmt: skip
        web = Gunicorn(tmp_path, env, workers=2)

        results = []  # (finished at, status)
        stop = threading.Event()

        def client(n):
            i = 0
            while not stop.is_set():
                i += 1
                if i % 2:
                    status, _ = web.request("GET", "/api/v1/incidents/", token=token, timeout=20)
                else:
                    status, _ = web.request(
                        "POST", "/api/v1/incidents/", token=token, timeout=20,
                        body={"title": "Load {n}-{i}".format(n=n, i=i), "service": int(service)},
                    )  # fmt: skip
                results.append((time.monotonic(), status))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(5)
        restart_started = time.monotonic()
        cluster.restart()
        restarted = time.monotonic()
        time.sleep(10)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        server_errors_logged = web.server_errors()
    finally:
        if web is not None:
            web.stop()
        cluster.stop()

    before = [s for t, s in results if t < restart_started]
    after = [s for t, s in results if t > restarted + 2]
    during = [s for t, s in results if restart_started <= t <= restarted + 2]
    assert before
    assert set(before) <= {200, 201}, sorted(set(before))
    assert len(after) > 20
    assert set(after) <= {200, 201}, sorted(set(after))
    # while the server was away: "try again shortly" (503 with Retry-After), never a 500
    assert set(during) <= {200, 201, 503}, sorted(set(during))
    print(  # noqa: T201 - the figures of the run
        "\nPostgreSQL restart took {r:.1f} s; requests: {b} before (all ok), {d} during "
        "({f} failed: {codes}), {a} after (all ok); {e} server errors logged".format(
            r=restarted - restart_started, b=len(before), d=len(during),
            f=sum(1 for s in during if s not in (200, 201)),
            codes=sorted({s for s in during if s not in (200, 201)}), a=len(after),
            e=server_errors_logged,
        )
    )  # fmt: skip
