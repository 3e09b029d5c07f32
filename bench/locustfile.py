"""The five benchmark scenarios as locust users, one class per scenario.

bench/run.sh drives them one at a time through bench/drive.py (locust's library API, so the
log-ins and a warm-up stay outside the measured window). They also run on their own:

    BENCH_TOKEN=... BENCH_NUMBERS=INC0000097:INC0100096 BENCH_SERVICE_IDS=1,2,3 \\
    .venv/bin/locust -f bench/locustfile.py --headless -u 8 -r 8 -t 20s \\
        --host http://127.0.0.1:8701 --only-summary QueuePage

Session scenarios log in through the login form (GET for the CSRF token, then POST), as a
browser does; the API ones send `Authorization: Token ...`. A response counts as a failure
unless it has exactly the expected status (a redirect to the login page is a failure, not a
fast success).
"""

import os
import random
import re
from http.cookiejar import DefaultCookiePolicy

from locust import FastHttpUser, constant, task
from locust.exception import StopUser

USERNAME = os.environ.get("BENCH_USERNAME", "erik")
PASSWORD = os.environ.get("BENCH_PASSWORD", "demo1234")
TOKEN = os.environ.get("BENCH_TOKEN", "")
ALERT_TOKEN = os.environ.get("BENCH_ALERT_TOKEN", "")
ALERT_PATH = "/api/v1/integrations/alertmanager/"
SERVICE_IDS = [int(s) for s in os.environ.get("BENCH_SERVICE_IDS", "1").split(",") if s]
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

_first, _, _last = os.environ.get("BENCH_NUMBERS", "INC0000001:INC0000001").partition(":")
PREFIX = _first[:3]
FIRST, LAST = int(_first[3:]), int((_last or _first)[3:])

# How many users have finished on_start; bench/drive.py waits for all before measuring.
READY = {"count": 0}

TITLES = [
    "Printer on floor {n} prints blank pages",
    "VPN drops every {n} minutes",
    "Cannot open the ERP report for region {n}",
    "Wi-Fi in meeting room {n} is down",
]


def expect(response, status: int) -> None:
    """Inside `catch_response`: anything but `status` is a failure with a short reason."""
    if response.status_code != status:
        response.failure(
            "HTTP {got} (expected {status}) {where}".format(
                got=response.status_code, status=status, where=response.headers.get("Location", "")
            ).strip()
        )
    else:
        response.success()


class _Base(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    # Fail fast rather than queue forever if the server stalls (bounded by the run's time).
    connection_timeout = 10.0
    network_timeout = 30.0

    def on_start(self) -> None:
        self.rng = random.Random()
        self.setup()
        READY["count"] += 1

    def setup(self) -> None:
        pass


class _SessionUser(_Base):
    abstract = True

    def setup(self) -> None:
        # With DEBUG off the session and CSRF cookies are Secure (the app sits behind TLS);
        # the benchmark talks plain HTTP on loopback, so let the jar send them over http.
        self.client.cookiejar.set_policy(DefaultCookiePolicy(secure_protocols=("https", "http")))
        with self.client.get("/accounts/login/", name="login form", catch_response=True) as r:
            expect(r, 200)
            match = CSRF_RE.search(r.text or "")
        if not match:
            raise StopUser("no CSRF token on the login form")
        with self.client.post(
            "/accounts/login/",
            data={
                "username": USERNAME,
                "password": PASSWORD,
                "csrfmiddlewaretoken": match.group(1),
                "next": "/accounts/me/",
            },
            headers={"Referer": self.host + "/accounts/login/"},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            expect(r, 302)
        with self.client.get("/accounts/me/", name="login check", catch_response=True) as r:
            expect(r, 200)
            if r.status_code != 200 or (r.json() or {}).get("username") != USERNAME:
                raise StopUser("log-in as {u} failed".format(u=USERNAME))


class _TokenUser(_Base):
    abstract = True

    def setup(self) -> None:
        if not TOKEN:
            raise StopUser("BENCH_TOKEN is not set")
        self.auth = {"Authorization": "Token " + TOKEN, "Accept": "application/json"}

    def create_incident(self, name: str) -> str | None:
        """POST /api/v1/incidents/ with a title and a service (the minimum a client sends)
        and a likely impact and urgency; the new number, or None if it failed."""
        body = {
            "title": self.rng.choice(TITLES).format(n=self.rng.randint(1, 40)),
            "service": self.rng.choice(SERVICE_IDS),
            "impact": self.rng.choice([2, 3, 3]),
            "urgency": self.rng.choice([1, 2, 3]),
        }
        with self.client.post(
            "/api/v1/incidents/", json=body, headers=self.auth, name=name, catch_response=True
        ) as r:
            expect(r, 201)
            return r.json()["number"] if r.status_code == 201 else None


class TrivialView(_SessionUser):
    """/accounts/me/: session, user and its groups; the yardstick."""

    @task
    def me(self) -> None:
        with self.client.get("/accounts/me/", name="me", catch_response=True) as r:
            expect(r, 200)


class QueuePage(_SessionUser):
    """The staff queue, all incidents, first page of 50 rows."""

    @task
    def queue(self) -> None:
        with self.client.get(
            "/incidents/?queue=all", name="queue", allow_redirects=False, catch_response=True
        ) as r:
            expect(r, 200)


class DetailPage(_SessionUser):
    """One incident's page, a random one of the seeded numbers each time."""

    @task
    def detail(self) -> None:
        number = "{p}{n:07d}".format(p=PREFIX, n=self.rng.randint(FIRST, LAST))
        with self.client.get(
            "/incidents/{n}/".format(n=number),
            name="detail",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            expect(r, 200)


class ApiList(_TokenUser):
    """GET /api/v1/incidents/?page_size=50 with a DRF token."""

    @task
    def api_list(self) -> None:
        with self.client.get(
            "/api/v1/incidents/?page_size=50",
            headers=self.auth,
            name="api_list",
            catch_response=True,
        ) as r:
            expect(r, 200)


class ApiCreate(_TokenUser):
    """POST /api/v1/incidents/ with a title and a service (the minimum a client sends)."""

    @task
    def api_create(self) -> None:
        self.create_incident("api_create")


class MixedAgent(_SessionUser):
    """Mixed workload: an agent browsing queues (open, their own, a search) and pages."""

    weight = 6

    @task(3)
    def queue_open(self) -> None:
        with self.client.get("/incidents/", name="mixed: queue open", catch_response=True) as r:
            expect(r, 200)

    @task(1)
    def queue_mine(self) -> None:
        with self.client.get(
            "/incidents/?queue=mine", name="mixed: queue mine", catch_response=True
        ) as r:
            expect(r, 200)

    @task(1)
    def search(self) -> None:
        with self.client.get(
            "/incidents/?queue=all&q=" + self.rng.choice(["printer", "VPN", "Wi-Fi", "ERP"]),
            name="mixed: search",
            catch_response=True,
        ) as r:
            expect(r, 200)

    @task(4)
    def detail(self) -> None:
        number = "{p}{n:07d}".format(p=PREFIX, n=self.rng.randint(FIRST, LAST))
        with self.client.get(
            "/incidents/{n}/".format(n=number), name="mixed: detail", catch_response=True
        ) as r:
            expect(r, 200)


class MixedApi(_TokenUser):
    """Mixed workload: an integration creating, reading and updating incidents (If-Match)."""

    weight = 3

    def setup(self) -> None:
        super().setup()
        self.created: list[str] = []

    @task(2)
    def create(self) -> None:
        number = self.create_incident("mixed: api create")
        if number:
            self.created = [*self.created, number][-20:]

    @task(2)
    def update(self) -> None:
        """Read one of ours, then PATCH it with the ETag just read (no one else edits it)."""
        if not self.created:
            return
        url = "/api/v1/incidents/{n}/".format(n=self.rng.choice(self.created))
        with self.client.get(
            url, headers=self.auth, name="mixed: api read", catch_response=True
        ) as r:
            expect(r, 200)
            etag = r.headers.get("ETag") if r.status_code == 200 else None
        if not etag:
            return
        with self.client.request(
            "PATCH",
            url,
            json={"urgency": self.rng.choice([1, 2, 3])},
            headers={**self.auth, "If-Match": etag},
            name="mixed: api update",
            catch_response=True,
        ) as r:
            expect(r, 200)

    @task(1)
    def list_open(self) -> None:
        with self.client.get(
            "/api/v1/incidents/?state=new&state=in_progress",
            headers=self.auth,
            name="mixed: api list",
            catch_response=True,
        ) as r:
            expect(r, 200)


class MixedAlerts(_Base):
    """Mixed workload: Alertmanager posting firing and resolved alerts (version 4 payloads),
    a few fingerprints recurring so de-duplication is exercised."""

    weight = 2

    def setup(self) -> None:
        if not ALERT_TOKEN:
            raise StopUser("BENCH_ALERT_TOKEN is not set")
        self.auth = {"Authorization": "Bearer " + ALERT_TOKEN}

    @task
    def alert(self) -> None:
        host = self.rng.randint(1, 60)
        status = "resolved" if self.rng.random() < 0.3 else "firing"
        alert = {
            "status": status,
            "labels": {"alertname": "DiskFull", "instance": "node{h}:9100".format(h=host)},
            "annotations": {"summary": "Disk /var on node{h} is almost full".format(h=host)},
            "startsAt": "2026-11-24T10:17:08Z",
            "endsAt": "2026-11-24T11:17:08Z" if status == "resolved" else "0001-01-01T00:00:00Z",
            "generatorURL": "http://127.0.0.1:9090/graph",
            "fingerprint": "bench{h:011d}".format(h=host),
        }
        body = {
            "version": "4", "status": status, "receiver": "desk", "alerts": [alert],
            "groupLabels": {"alertname": "DiskFull"}, "commonLabels": alert["labels"],
            "commonAnnotations": alert["annotations"], "externalURL": "http://127.0.0.1:9093",
            "groupKey": "{}:{alertname=\"DiskFull\"}", "truncatedAlerts": 0,
        }  # fmt: skip
        with self.client.post(
            ALERT_PATH, json=body, headers=self.auth, name="mixed: alert", catch_response=True
        ) as r:
            if r.status_code in (200, 201, 202):
                r.success()
            else:
                expect(r, 200)


class MixedTrivial(_SessionUser):
    """The yardstick inside the mixed run: /accounts/me/ under the same load."""

    weight = 1

    @task
    def me(self) -> None:
        with self.client.get("/accounts/me/", name="mixed: trivial view", catch_response=True) as r:
            expect(r, 200)


MIXED = [MixedAgent, MixedApi, MixedAlerts, MixedTrivial]

SCENARIOS = {
    "me": TrivialView,
    "queue": QueuePage,
    "detail": DetailPage,
    "api_list": ApiList,
    "api_create": ApiCreate,
}
