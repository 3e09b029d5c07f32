"""Seed the benchmark database with many realistic incidents, fast (bulk inserts).

Run with the benchmark's environment (see bench/run.sh), after `migrate` and `demo_data`:

    BENCH_INCIDENTS=100000 .venv/bin/python bench/seed.py

It inserts rows directly (bulk_create in batches of BENCH_BATCH, default 5,000), not through
the services: the services take ~20 ms and a dozen queries per incident, which would make
100,000 incidents a half-hour job. What the services would have stored is imitated instead:

- services, groups, agents and callers from the demo organisation; every state, about 10 %
  open (new / in progress / on hold), the open ones mostly recent; priority from the ITIL
  matrix (impact + urgency - 1); opened over the last 365 days, mostly in office hours;
  resolved_at >= opened_at, closed some hours to three days after resolution;
- SLA columns from the service's policy (or the default one) and its per-priority targets;
- one audit row per incident (history_type "+", the record as it was opened, dated
  opened_at); the history tables refuse UPDATE and DELETE, so rows are only inserted;
- a comment or work note on a third of the incidents;
- numbers INC0000097... continue after the demo ones, in the order the incidents were
  opened, and the INC counter is moved to the highest number so the API create that the
  benchmark drives continues after them.

Finally VACUUM (ANALYZE) of the touched tables, so the planner has statistics and the
visibility map is set (autovacuum would do both within a minute on a live server; it may be
off on a test server). Prints one line with the time taken, and a JSON file with the range of
seeded numbers and the service ids if BENCH_STATE names a path.
"""

import datetime as dt
import json
import math
import os
import random
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from catalog.models import Service, SupportGroup  # noqa: E402
from core.models import NumberSequence, TimelineKind  # noqa: E402
from incidents.choices import ContactChannel, HoldReason, ResolutionCode  # noqa: E402
from incidents.constants import NUMBER_PREFIX  # noqa: E402
from incidents.models import Incident, IncidentComment  # noqa: E402
from sla.models import SlaPolicy, SlaTarget  # noqa: E402

TOTAL = int(os.environ.get("BENCH_INCIDENTS", "100000"))
BATCH = int(os.environ.get("BENCH_BATCH", "5000"))
SEED = int(os.environ.get("BENCH_SEED", "20261125"))
DAYS = 365
AUTO_CLOSE = dt.timedelta(days=3)
OFFICE_SHARE = 40 / 168  # business seconds per wall-clock second in an office-hours week
MAX_UINT = 2_147_483_647

TITLES = [
    ("Cannot log in to e-mail", "access", "password"),
    ("Payslip missing in the portal", "application", "payroll"),
    ("VPN disconnects every few minutes", "network", "vpn"),
    ("Printer on floor 3 prints blank pages", "hardware", "printer"),
    ("Customer portal checkout returns an error", "application", "web"),
    ("ERP report takes forever", "performance", "reporting"),
    ("Shared drive not mapped after restart", "access", "file share"),
    ("Laptop battery drains in an hour", "hardware", "laptop"),
    ("Calendar invites arrive twice", "application", "calendar"),
    ("Wi-Fi in meeting room B is down", "network", "wifi"),
    ("Password reset link has expired", "access", "password"),
    ("Invoices stuck in the ERP approval queue", "application", "workflow"),
    ("Monitor flickers after docking", "hardware", "monitor"),
    ("Mailbox full, cannot send", "application", "mailbox"),
    ("Time report rejected without reason", "application", "payroll"),
    ("Slow response in the customer portal", "performance", "web"),
    ("Backup job failed overnight", "infrastructure", "backup"),
    ("Disk space alert on file cluster", "infrastructure", "storage"),
    ("Teams calls drop after ten minutes", "network", "voice"),
    ("New employee has no access to ERP", "access", "account"),
]
DETAILS = [
    "Started this morning; colleagues on the same floor see it too.",
    "Happens every time since yesterday's update.",
    "Only on the laptop, the phone works.",
    "Blocks the month-end close; please prioritise.",
    "Tried restarting twice, no change.",
    "Error message: 'Something went wrong, try again later'.",
]
REPLIES = [
    "Thanks, we are looking into it.",
    "Could you send a screenshot of the error?",
    "We can reproduce this and are working on a fix.",
    "Escalated to second line; we will update you within the hour.",
]
NOTES = [
    "Checked the logs: authentication errors from 08:02.",
    "Known issue with the last patch; see the vendor advisory.",
    "Restarted the application pool, monitoring.",
]
RESOLUTIONS = [
    "Restarted the service and verified with the caller.",
    "Reset the account and cleared the cached credentials.",
    "Replaced the faulty access point.",
    "Applied the vendor's patch; monitored for an hour.",
    "Explained the procedure; the caller confirmed it works.",
]
CHANNELS = (
    [ContactChannel.PORTAL] * 45
    + [ContactChannel.EMAIL] * 20
    + [ContactChannel.PHONE] * 18
    + [ContactChannel.CHAT] * 8
    + [ContactChannel.MONITORING] * 6
    + [ContactChannel.WALK_IN] * 2
    + [ContactChannel.API] * 1
)
CODES = (
    [ResolutionCode.FIXED] * 45
    + [ResolutionCode.WORKAROUND] * 20
    + [ResolutionCode.USER_ERROR] * 15
    + [ResolutionCode.NOT_REPRODUCIBLE] * 8
    + [ResolutionCode.DUPLICATE] * 5
    + [ResolutionCode.BY_CALLER] * 5
    + [ResolutionCode.OTHER] * 2
)
# Mean wall-clock resolution time per priority (hours); lognormal around it.
RESOLUTION_HOURS = {1: 3, 2: 8, 3: 26, 4: 60, 5: 120}


def _stamp(rng: random.Random, now: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """An instant in the last DAYS days: weekdays and office hours far more likely."""
    while True:
        day = (now - dt.timedelta(days=rng.uniform(0, DAYS))).astimezone(tz).date()
        if day.weekday() >= 5 and rng.random() > 0.15:
            continue
        hour = rng.choice([7, 8, 8, 9, 9, 9, 10, 10, 10, 11, 11, 13, 13, 14, 14, 15, 15, 16, 17])
        if rng.random() < 0.08:
            hour = rng.randint(0, 23)  # monitoring and night shift
        local = dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59), rng.randint(0, 59)))
        stamp = local.replace(tzinfo=tz).astimezone(dt.UTC)
        if stamp < now - dt.timedelta(minutes=5):
            return stamp


def _open_probability(age_days: float) -> float:
    """Recent incidents are mostly still open; a long tail of old ones is stuck on hold.

    Averaged over a uniform year this is about 10 %."""
    return 0.93 * math.exp(-age_days / 12) + 0.072


class Seeder:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.now = timezone.now()
        self.tz = ZoneInfo("Europe/Stockholm")
        users = {u.username: u for u in get_user_model().objects.all()}
        self.users = users
        self.callers = [users[n] for n in ("anna", "johan", "anna", "johan", "maria", "karl")]
        self.agents = [users[n] for n in ("erik", "sara", "ali", "lena")]
        services = list(Service.objects.select_related("support_group").order_by("pk"))
        weights = {1: 5, 2: 3, 3: 2, 4: 1}  # busier the more critical (and live)
        self.services = services
        self.service_weights = [
            weights.get(s.criticality, 1) * (1 if s.lifecycle == "live" else 0.1) for s in services
        ]
        self.groups = {g.pk: g for g in SupportGroup.objects.prefetch_related("members")}
        self.members = {
            pk: [m for m in g.members.all() if m.is_active] or self.agents
            for pk, g in self.groups.items()
        }
        self.service_desk = SupportGroup.objects.filter(name="Service Desk").first()
        default = SlaPolicy.objects.filter(is_default=True).first()
        self.policies = {p.pk: p for p in SlaPolicy.objects.all()}
        self.policy_for = {
            s.pk: (s.sla_policy_id or (default.pk if default else None)) for s in services
        }
        self.targets = {
            (t.policy_id, t.priority): (t.response_minutes * 60, t.resolution_minutes * 60)
            for t in SlaTarget.objects.all()
        }
        self.first = (
            NumberSequence.objects.filter(kind=NUMBER_PREFIX).values_list("last", flat=True).first()
            or 0
        )
        self.first = (
            max(
                self.first,
                int(
                    (Incident.objects.aggregate(m=Max("number"))["m"] or "INC0")[
                        len(NUMBER_PREFIX) :
                    ]
                    or 0
                ),
            )
            + 1
        )
        self.History = Incident.history.model
        # bulk_create would stamp updated_at with "now" (auto_now); keep the seeded value.
        Incident._meta.get_field("updated_at").auto_now = False

    # -- one incident ------------------------------------------------------------------------

    def _wall(self, policy_id: int | None, business_seconds: float) -> dt.timedelta:
        """Wall-clock span for a business-time span (approximation: office weeks, or 24x7)."""
        policy = self.policies.get(policy_id)
        share = 1.0 if policy is None or policy.always_on else OFFICE_SHARE
        return dt.timedelta(seconds=business_seconds / share)

    def _business(self, policy_id: int | None, wall: dt.timedelta) -> int:
        policy = self.policies.get(policy_id)
        share = 1.0 if policy is None or policy.always_on else OFFICE_SHARE
        return min(MAX_UINT, int(wall.total_seconds() * share))

    def incident(self, number: int, opened: dt.datetime) -> tuple[Incident, dict]:
        rng, now = self.rng, self.now
        service = rng.choices(self.services, weights=self.service_weights)[0]
        title, category, subcategory = rng.choice(TITLES)
        impact = rng.choices([1, 2, 3], weights=[8, 32, 60])[0]
        urgency = rng.choices([1, 2, 3], weights=[12, 38, 50])[0]
        priority = impact + urgency - 1
        caller = rng.choice(self.callers)
        channel = rng.choice(CHANNELS)
        opened_by = caller if channel == ContactChannel.PORTAL else rng.choice(self.agents)
        group = service.support_group
        reassignments = 0
        if self.service_desk and group and group.pk != self.service_desk.pk and rng.random() < 0.3:
            reassignments = 1  # came in through the Service Desk, passed on
        policy_id = self.policy_for[service.pk]
        response_s, resolution_s = self.targets.get((policy_id, priority), (None, None))
        age_days = (now - opened).total_seconds() / 86400

        is_open = rng.random() < _open_probability(age_days)
        state = "closed"
        resolved_at = closed_at = responded_at = None
        assignee = None
        hold_reason = resolution_code = resolution_notes = cancel_reason = ""
        sla_state = "none"
        elapsed = paused = 0
        refreshed = opened
        version = 1
        fcr = False
        if is_open:
            roll = rng.random()
            if roll < (0.5 if age_days < 5 else 0.2):
                state = "new"  # not yet triaged (or a forgotten backlog ticket)
                if rng.random() < 0.3:
                    assignee = rng.choice(self.members[group.pk]) if group else None
            elif roll < (0.8 if age_days < 5 else 0.6):
                state = "in_progress"
            else:
                state, hold_reason = "on_hold", rng.choice(HoldReason.values)
            if state != "new":
                assignee = rng.choice(self.members[group.pk]) if group else rng.choice(self.agents)
                version = rng.randint(2, 4)
            if assignee is not None:
                responded_at = opened + dt.timedelta(minutes=rng.uniform(2, 90))
                responded_at = min(responded_at, now - dt.timedelta(minutes=1))
            refreshed = now - dt.timedelta(seconds=rng.uniform(0, 60))
            wall = now - opened
            if state == "on_hold" and hold_reason == HoldReason.AWAITING_CALLER:
                paused = int(wall.total_seconds() * rng.uniform(0.3, 0.9))
                wall -= dt.timedelta(seconds=paused)
            elapsed = self._business(policy_id, wall)
            if resolution_s:
                if state == "on_hold" and hold_reason == HoldReason.AWAITING_CALLER:
                    sla_state = "paused"
                elif elapsed >= resolution_s:
                    sla_state = "breached"
                elif elapsed >= 0.75 * resolution_s:
                    sla_state = "warning"
                else:
                    sla_state = "running"
        elif rng.random() < 0.03:
            state = "cancelled"
            cancel_reason = rng.choice(["Duplicate of another ticket.", "Logged by mistake."])
            closed_at = min(opened + dt.timedelta(minutes=rng.uniform(5, 600)), now)
            refreshed = closed_at
            version = 2
            elapsed = self._business(policy_id, closed_at - opened)
            sla_state = "met" if resolution_s else "none"
        else:
            assignee = rng.choice(self.members[group.pk]) if group else rng.choice(self.agents)
            responded_at = opened + dt.timedelta(minutes=rng.uniform(2, 240))
            hours = rng.lognormvariate(math.log(RESOLUTION_HOURS[priority]), 1.0)
            resolved_at = opened + dt.timedelta(hours=hours)
            latest = now - dt.timedelta(minutes=2)
            if resolved_at > latest:
                resolved_at = opened + (latest - opened) * rng.uniform(0.3, 0.99)
            responded_at = min(responded_at, resolved_at)
            resolution_code = rng.choice(CODES)
            resolution_notes = rng.choice(RESOLUTIONS)
            if now - resolved_at < AUTO_CLOSE and rng.random() < 0.7:
                state, version, refreshed = "resolved", 3, resolved_at
            else:
                closed_at = min(resolved_at + rng.uniform(0.05, 1) * AUTO_CLOSE, now)
                version, refreshed = rng.randint(3, 6), closed_at
            elapsed = self._business(policy_id, resolved_at - opened)
            if resolution_s:
                sla_state = "met" if elapsed <= resolution_s else "breached_met"
            fcr = reassignments == 0 and hours < 1 and rng.random() < 0.8
        response_due = self._wall(policy_id, response_s) + opened if response_s else None
        resolution_due = warn_at = None
        if resolution_s and sla_state != "paused":
            resolution_due = (
                opened + self._wall(policy_id, resolution_s) + dt.timedelta(seconds=paused)
            )
            if sla_state == "running":
                warn_at = opened + self._wall(policy_id, 0.75 * resolution_s)
        updated = closed_at or resolved_at or (refreshed if version > 1 else opened)

        incident = Incident(
            number="{p}{n:07d}".format(p=NUMBER_PREFIX, n=number),
            title=title,
            description="{d} Reported by {c}.".format(
                d=rng.choice(DETAILS), c=caller.get_full_name()
            ),
            state=state,
            caller=caller,
            service=service,
            category=category,
            subcategory=subcategory,
            impact=impact,
            urgency=urgency,
            priority=priority,
            assignment_group=group,
            assignee=assignee,
            hold_reason=hold_reason,
            resolution_code=resolution_code,
            resolution_notes=resolution_notes,
            cancel_reason=cancel_reason,
            is_major=priority == 1 and service.criticality == 1 and rng.random() < 0.25,
            reassignment_count=reassignments,
            reopen_count=1 if (resolved_at and rng.random() < 0.03) else 0,
            first_contact_resolution=fcr,
            contact_channel=channel,
            opened_at=opened,
            resolved_at=resolved_at,
            closed_at=closed_at,
            opened_by=opened_by,
            created_at=opened,
            updated_at=updated,
            version=version,
            sla_policy_id=policy_id,
            response_due_at=response_due,
            resolution_due_at=resolution_due,
            resolution_warn_at=warn_at,
            paused_seconds=min(paused, MAX_UINT),
            sla_state=sla_state,
            responded_at=responded_at,
            resolution_elapsed_seconds=elapsed,
            resolution_target_seconds=resolution_s,
            sla_refreshed_at=refreshed,
        )
        # The "+" audit row is the record as it was logged.
        created = {
            "state": "new",
            "assignee_id": assignee.pk if (assignee and state == "new") else None,
            "responded_at": responded_at if (assignee and state == "new") else None,
        }
        return incident, created

    def history_row(self, incident: Incident, created: dict):
        values = {
            f.attname: getattr(incident, f.attname)
            for f in self.History._meta.concrete_fields
            if f.attname not in ("history_id", "history_date", "history_change_reason",
                                 "history_type", "history_user_id")
        }  # fmt: skip
        values.update(
            version=1,
            resolved_at=None,
            closed_at=None,
            hold_reason="",
            resolution_code="",
            resolution_notes="",
            cancel_reason="",
            reassignment_count=0,
            reopen_count=0,
            first_contact_resolution=False,
            resolution_elapsed_seconds=0,
            paused_seconds=0,
            sla_state="running" if incident.resolution_target_seconds else "none",
            resolution_due_at=(
                incident.resolution_due_at - dt.timedelta(seconds=incident.paused_seconds)
                if incident.resolution_due_at
                else None
            ),
            resolution_warn_at=None,
            **created,
        )
        return self.History(
            **values,
            history_date=incident.opened_at,
            history_type="+",
            history_user_id=incident.opened_by_id,
            history_change_reason=None,
        )

    def comment(self, incident: Incident) -> IncidentComment:
        rng = self.rng
        end = incident.resolved_at or incident.closed_at or self.now
        at = incident.opened_at + (end - incident.opened_at) * rng.uniform(0.05, 0.9)
        note = rng.random() < 0.35
        author = incident.assignee or rng.choice(self.agents)
        return IncidentComment(
            incident=incident,
            kind=TimelineKind.WORK_NOTE if note else TimelineKind.COMMENT,
            body=rng.choice(NOTES if note else REPLIES),
            author=author,
            created_at=at,
        )

    # -- all ---------------------------------------------------------------------------------

    def run(self) -> dict:
        started = time.monotonic()
        stamps = sorted(_stamp(self.rng, self.now, self.tz) for _ in range(TOTAL))
        counts = {"incidents": 0, "history": 0, "comments": 0}
        states: dict[str, int] = {}
        for offset in range(0, TOTAL, BATCH):
            with transaction.atomic():
                pairs = [
                    self.incident(self.first + offset + i, stamp)
                    for i, stamp in enumerate(stamps[offset : offset + BATCH])
                ]
                incidents = Incident.objects.bulk_create([p[0] for p in pairs], batch_size=BATCH)
                history = [
                    self.history_row(inc, created)
                    for inc, (_, created) in zip(incidents, pairs, strict=True)
                ]
                self.History.objects.bulk_create(history, batch_size=BATCH)
                comments = [self.comment(inc) for inc in incidents if self.rng.random() < 1 / 3]
                IncidentComment.objects.bulk_create(comments, batch_size=BATCH)
            counts["incidents"] += len(incidents)
            counts["history"] += len(history)
            counts["comments"] += len(comments)
            for inc in incidents:
                states[inc.state] = states.get(inc.state, 0) + 1
        last = self.first + TOTAL - 1
        with transaction.atomic():
            NumberSequence.objects.get_or_create(kind=NUMBER_PREFIX)
            NumberSequence.objects.filter(kind=NUMBER_PREFIX, last__lt=last).update(last=last)
        inserted = time.monotonic() - started
        tables = [
            Incident._meta.db_table,
            self.History._meta.db_table,
            IncidentComment._meta.db_table,
            "core_numbersequence",
        ]
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute("VACUUM (ANALYZE) {t}".format(t=connection.ops.quote_name(table)))
            cursor.execute("ANALYZE")
        total = time.monotonic() - started
        return {
            **counts,
            "states": dict(sorted(states.items())),
            "first_number": "{p}{n:07d}".format(p=NUMBER_PREFIX, n=self.first),
            "last_number": "{p}{n:07d}".format(p=NUMBER_PREFIX, n=last),
            "service_ids": [s.pk for s in self.services if s.lifecycle == "live"],
            "insert_seconds": round(inserted, 1),
            "seconds": round(total, 1),
        }


# -- problems, changes and a PDCA review over all of it ----------------------------------------

PROBLEMS = int(os.environ.get("BENCH_PROBLEMS", "5000"))
CHANGES = int(os.environ.get("BENCH_CHANGES", "5000"))


def _next_number(model, prefix: str) -> int:
    last = NumberSequence.objects.filter(kind=prefix).values_list("last", flat=True).first() or 0
    top = model.objects.aggregate(m=Max("number"))["m"] or prefix + "0"
    return max(last, int(top[len(prefix) :] or 0)) + 1


def seed_problems_and_changes(seeder: Seeder) -> dict:
    """PROBLEMS problems (60 % resolved or closed, a fifth of those published as known
    errors), every tenth incident linked to one, and CHANGES changes (85 % closed with an
    outcome, some failed or backed out), opened over the same year; bulk inserts."""
    from changes.models import Change
    from problems.models import Problem, ProblemIncident

    rng, now = seeder.rng, seeder.now
    started = time.monotonic()
    admin = seeder.users["admin"]
    for model in (Problem, Change):
        model._meta.get_field("updated_at").auto_now = False
    first = _next_number(Problem, "PRB")
    problems = []
    for i, opened in enumerate(sorted(_stamp(rng, now, seeder.tz) for _ in range(PROBLEMS))):
        service = rng.choices(seeder.services, weights=seeder.service_weights)[0]
        title, category, _sub = rng.choice(TITLES)
        done = rng.random() < 0.6
        resolved = min(opened + dt.timedelta(days=rng.uniform(1, 40)), now) if done else None
        known = done and rng.random() < 0.2
        problems.append(
            Problem(
                number="PRB{n:07d}".format(n=first + i),
                title="Recurring: " + title.lower(),
                service=service,
                category=category,
                priority=rng.randint(2, 4),
                state=("closed" if rng.random() < 0.5 else "resolved")
                if done
                else "root_cause_analysis",
                opened_at=opened,
                opened_by=admin,
                resolved_at=resolved,
                closed_at=resolved,
                known_error=known,
                known_error_published_at=resolved if known else None,
                created_at=opened,
                updated_at=resolved or opened,
            )
        )
    with transaction.atomic():
        problems = Problem.objects.bulk_create(problems, batch_size=BATCH)
        by_service: dict[int, list] = {}
        for problem in problems:
            by_service.setdefault(problem.service_id, []).append(problem)
        incidents = Incident.objects.filter(number__gte="INC{n:07d}".format(n=seeder.first))
        links = [
            ProblemIncident(problem=rng.choice(by_service[svc]), incident_id=pk, linked_by=admin)
            for pk, svc in incidents.values_list("pk", "service_id").order_by("pk")[::10]
            if svc in by_service
        ]
        ProblemIncident.objects.bulk_create(links, batch_size=BATCH)
    first = _next_number(Change, "CHG")
    changes = []
    outcomes = (
        ["successful"] * 80 + ["successful_with_issues"] * 8 + ["failed"] * 7 + ["backed_out"] * 5
    )
    for i, opened in enumerate(sorted(_stamp(rng, now, seeder.tz) for _ in range(CHANGES))):
        service = rng.choices(seeder.services, weights=seeder.service_weights)[0]
        start = opened + dt.timedelta(days=rng.uniform(1, 10))
        closed = rng.random() < 0.85 and start + dt.timedelta(days=1) < now
        changes.append(
            Change(
                number="CHG{n:07d}".format(n=first + i),
                title="Patch " + service.name,
                service=service,
                state="closed" if closed else "scheduled",
                change_type="normal",
                impact=2,
                likelihood=2,
                risk="medium",
                planned_start=start,
                planned_end=start + dt.timedelta(hours=2),
                outcome=rng.choice(outcomes) if closed else "",
                opened_at=opened,
                opened_by=admin,
                closed_at=start + dt.timedelta(hours=rng.uniform(3, 30)) if closed else None,
                created_at=opened,
                updated_at=opened,
            )
        )
    with transaction.atomic():
        Change.objects.bulk_create(changes, batch_size=BATCH)
    with connection.cursor() as cursor:
        for model in (Problem, ProblemIncident, Change):
            cursor.execute(
                "VACUUM (ANALYZE) {t}".format(t=connection.ops.quote_name(model._meta.db_table))
            )
    return {
        "problems": len(problems),
        "problem_links": len(links),
        "changes": len(changes),
        "seconds": round(time.monotonic() - started, 1),
    }


def pdca_review_measure(seeder: Seeder) -> list[dict]:
    """A strategy over every service with a cycle over the seeded year, one goal per KPI
    and three done improvement actions; the records of the year linked to the cycle (as
    creating it does), then two weekly reviews; each step timed and its SQL queries
    counted."""
    from django.test.utils import CaptureQueriesContext

    from pdca.kpis import CATALOGUE
    from pdca.models import Cycle, Goal, ImprovementAction, Strategy
    from pdca.services import review_run

    now, today = seeder.now, timezone.localdate(seeder.now)
    owner = seeder.users["maria"]
    strategy = Strategy.objects.create(
        name="Benchmark: every service",
        vision="Measured over a year of operations.",
        owner=owner,
        horizon_start=today - dt.timedelta(days=DAYS + 1),
        horizon_end=today + dt.timedelta(days=30),
    )
    cycle = Cycle.objects.create(
        strategy=strategy,
        name="Benchmark year",
        start=today - dt.timedelta(days=DAYS),
        end=today + dt.timedelta(days=14),
        review_days=7,
        phase="do",
    )
    goals = {}
    for key, kpi in CATALOGUE.items():
        goals[key] = Goal.objects.create(
            cycle=cycle,
            name="Benchmark " + key,
            kpi=key,
            target=50,
            direction="at_least" if kpi.higher_is_better else "at_most",
        )
    for key, days in (("mttr_hours", 40), ("reopen_rate", 60), ("backlog", 30)):
        ImprovementAction.objects.create(
            title="Benchmark action on " + key,
            owner=owner,
            due_date=today - dt.timedelta(days=days),
            status="done",
            goal=goals[key],
            completed_at=now - dt.timedelta(days=days),
        )
    from pdca.services import record_links_refresh

    started = time.monotonic()
    with CaptureQueriesContext(connection) as ctx:  # what creating the cycle in the UI does
        record_links_refresh(cycle_id=cycle.pk, rebuild=True)
    results = [
        {
            "what": "linking",
            "seconds": round(time.monotonic() - started, 2),
            "queries": len(ctx),
            "linked": cycle.record_links.count(),
        }
    ]
    for weeks_ago in (2, 1):
        end = now - dt.timedelta(days=7 * (weeks_ago - 1))
        started = time.monotonic()
        with CaptureQueriesContext(connection) as ctx:
            review = review_run(
                cycle_id=cycle.pk, period_start=end - dt.timedelta(days=7), period_end=end, now=end
            )
        results.append(
            {
                "what": "review",
                "seconds": round(time.monotonic() - started, 2),
                "queries": len(ctx),
                "snapshots": review.snapshots.count(),
                "findings": review.findings.count(),
                "checks": review.action_checks.count(),
                "linked": cycle.record_links.count(),
            }
        )
    return results


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("bench/seed.py: the benchmark expects PostgreSQL (DATABASE_URL=postgres://...)")
    seeder = Seeder()
    result = seeder.run()
    open_n = sum(result["states"].get(s, 0) for s in ("new", "in_progress", "on_hold"))
    print(
        "Seeded {incidents:,} incidents, {history:,} history rows, {comments:,} comments "
        "({first_number}..{last_number}) in {seconds:.1f} s "
        "(inserts {insert_seconds:.1f} s, VACUUM ANALYZE the rest).".format(**result)
    )
    print(
        "States: {states}; open {pct:.1f} %.".format(
            states=", ".join("{k} {v:,}".format(k=k, v=v) for k, v in result["states"].items()),
            pct=100 * open_n / max(1, result["incidents"]),
        )
    )
    if PROBLEMS or CHANGES:
        extra = seed_problems_and_changes(seeder)
        print(
            "Seeded {problems:,} problems ({problem_links:,} incident links) and "
            "{changes:,} changes in {seconds:.1f} s.".format(**extra)
        )
    if os.environ.get("BENCH_PDCA", "1") != "0":
        linking, *reviews = pdca_review_measure(seeder)
        print(
            "PDCA: linking {linked:,} incidents, problems and changes to a new year-long "
            "cycle: {seconds:.2f} s, {queries} SQL queries.".format(**linking)
        )
        for n, review in enumerate(reviews, start=1):
            print(
                "PDCA weekly review {n} over {incidents:,} incidents, {problems:,} problems, "
                "{changes:,} changes: {seconds:.2f} s, {queries} SQL queries "
                "({snapshots} goals, {findings} findings, {checks} action checks).".format(
                    n=n,
                    incidents=Incident.objects.count(),
                    problems=PROBLEMS,
                    changes=CHANGES,
                    **review,
                )
            )
    state_path = os.environ.get("BENCH_STATE")
    if state_path:
        Path(state_path).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
