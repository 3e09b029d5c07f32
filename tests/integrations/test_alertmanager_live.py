"""End to end with the real Prometheus Alertmanager (Debian's prometheus-alertmanager, which
`make test` installs): started on loopback with a webhook receiver pointing at this desk's
live server; alerts pushed through its API v2 fire, repeat and resolve incidents."""

import datetime as dt
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from core.models import TimelineKind
from incidents.models import Incident, IncidentComment
from integrations.models import OpenAlert, TokenScope
from integrations.services import integration_create, token_create
from tests.factories import ServiceFactory, SupportGroupFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BINARY = "prometheus-alertmanager"
CONFIG = """
global:
  resolve_timeout: 5m
route:
  receiver: desk
  group_by: ['alertname', 'service']
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 4s
receivers:
  - name: desk
    webhook_configs:
      - url: '{url}'
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: '{token}'
"""


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _until(check, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError("timed out waiting for " + what)


@pytest.fixture
def alertmanager(tmp_path, live_server, manager):
    from celery import current_app

    # the worker's part runs right after each answer, in the server's thread
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    binary = shutil.which(BINARY) or "/usr/bin/" + BINARY
    assert shutil.which(binary), "install Debian's prometheus-alertmanager (make test does)"
    service = ServiceFactory(name="Mail", support_group=SupportGroupFactory())
    integration = integration_create(
        actor=manager,
        data={"name": "Prometheus", "kind": "alertmanager", "default_service": service},
    )
    _token, secret = token_create(
        actor=manager, name="am", scope=TokenScope.INTEGRATION, integration=integration
    )
    config = tmp_path / "alertmanager.yml"
    config.write_text(
        CONFIG.format(url=live_server.url + "/api/v1/integrations/alertmanager/", token=secret)
    )
    port = _free_port()
    log = (tmp_path / "am.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - a fixed binary with our own arguments
        [binary, "--config.file=" + str(config), "--storage.path=" + str(tmp_path / "data"),
         "--web.listen-address=127.0.0.1:{p}".format(p=port), "--cluster.listen-address=",
         "--log.level=debug"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = "http://127.0.0.1:{p}".format(p=port)

    def ready():
        try:
            with urllib.request.urlopen(base + "/-/ready", timeout=1) as response:  # noqa: S310
                return response.status == 200
        except OSError:
            return False

    try:
        _until(ready, 20, "Alertmanager to start")
        yield base
    finally:
        current_app.conf.task_always_eager = eager
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        sys.stderr.write((tmp_path / "am.log").read_text()[-3000:])  # shown when it fails


def push(base, alerts):
    request = urllib.request.Request(  # noqa: S310 - loopback Alertmanager
        base + "/api/v2/alerts",
        data=json.dumps(alerts).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        assert response.status == 200


def alert(instance, ends=None):
    now = dt.datetime.now(dt.UTC)
    body = {
        "labels": {"alertname": "HighLatency", "service": "payments", "severity": "warning",
                   "instance": instance},
        "annotations": {"summary": "p95 latency above 2s"},
        "startsAt": (now - dt.timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generatorURL": "http://prometheus.local/graph?g0.expr=latency",
    }  # fmt: skip
    if ends:
        body["endsAt"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        body.pop("generatorURL")  # the resolving message carries less; nothing gets blanked
    return body


def test_a_real_alertmanager_fires_repeats_and_resolves(alertmanager):
    push(alertmanager, [alert("api-1:8080"), alert("api-2:8080")])
    _until(lambda: Incident.objects.count() == 2, what="two incidents")
    first = Incident.objects.get(description__contains="instance=api-1:8080")
    second = Incident.objects.get(description__contains="instance=api-2:8080")
    description = first.description
    assert first.title == "HighLatency: p95 latency above 2s"

    # repeat_interval 4s: the same firing alerts come again and become work notes
    def noted():
        return IncidentComment.objects.filter(
            incident=first, kind=TimelineKind.WORK_NOTE, body__contains="still firing"
        ).exists()

    _until(noted, what="a repeat work note")
    assert Incident.objects.count() == 2

    # resolve api-1 only: its incident resolves, api-2's stays open
    push(alertmanager, [alert("api-1:8080", ends=True)])
    _until(lambda: Incident.objects.get(pk=first.pk).state == "resolved", what="resolve api-1")
    first.refresh_from_db()
    assert first.description == description
    assert "Alert resolved" in first.resolution_notes
    assert Incident.objects.get(pk=second.pk).is_open
    assert list(OpenAlert.objects.values_list("incident_id", flat=True)) == [second.pk]

    push(alertmanager, [alert("api-2:8080", ends=True)])
    _until(lambda: Incident.objects.get(pk=second.pk).state == "resolved", what="resolve api-2")
    assert Incident.objects.count() == 2
    assert not OpenAlert.objects.exists()

    # firing again after the resolution opens a new incident
    push(alertmanager, [alert("api-1:8080")])
    _until(lambda: Incident.objects.count() == 3, what="a new incident after resolution")
