"""Load the demo organisation once: services, CIs, SLA policies, groups and a user per role.

Each process app adds its own records here as it grows. Run again, it does nothing unless
--force is given on an empty database.
"""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from catalog.models import Service
from catalog.services import ci_create, service_create, support_group_create
from changes.models import ChangeTemplate, FreezeWindow
from changes.services import (
    change_create,
    change_decide,
    change_link_caused_incident,
    change_transition,
)
from incidents.models import Incident
from incidents.services import (
    incident_comment_add,
    incident_create,
    incident_sla_scan,
    incident_transition,
)
from pdca.models import Cycle, Goal, ImprovementAction, Strategy
from pdca.services import reviews_run_due, strategic_triage
from problems.services import problem_create, problem_detect, problem_transition
from sla.models import SlaPolicy, SlaTarget

User = get_user_model()
DEMO_PASSWORD = "demo1234"  # noqa: S105 - printed by make run; demo data only

USERS = [
    # username, first, last, role
    ("admin", "Alex", "Admin", "administrator"),
    ("maria", "Maria", "Lindqvist", "manager"),
    ("karl", "Karl", "Berg", "change_approver"),
    ("erik", "Erik", "Svensson", "agent"),
    ("sara", "Sara", "Nyström", "agent"),
    ("ali", "Ali", "Hassan", "agent"),
    ("lena", "Lena", "Holm", "agent"),
    ("anna", "Anna", "Ek", "requester"),
    ("johan", "Johan", "Ström", "requester"),
]

# minutes per priority: (response, resolution)
OFFICE_TARGETS = {1: (30, 240), 2: (60, 480), 3: (240, 1440), 4: (480, 2880), 5: (960, 7200)}
CRITICAL_TARGETS = {1: (15, 240), 2: (30, 480), 3: (120, 1440), 4: (480, 4320), 5: (960, 10080)}

GROUPS = [
    (
        "Service Desk",
        "First line: logging, triage, first-contact resolution.",
        "maria",
        ["erik", "sara", "ali", "lena"],
    ),
    ("Network Operations", "LAN, WAN, VPN, firewalls and DNS.", "maria", ["ali", "erik"]),
    ("Application Support", "Business applications and integrations.", "maria", ["sara", "lena"]),
    ("Infrastructure", "Servers, storage, databases and backups.", "maria", ["lena", "ali"]),
]

SERVICES = [
    # name, description, group, criticality, policy, lifecycle, owner
    (
        "E-mail and calendar",
        "Exchange Online mail, calendars and shared mailboxes.",
        "Application Support",
        2,
        "office",
        "live",
        "maria",
    ),
    (
        "Payroll",
        "Monthly salary runs and time reporting for all staff.",
        "Application Support",
        1,
        "critical",
        "live",
        "maria",
    ),
    (
        "Customer portal",
        "The public web portal where customers place and track orders.",
        "Application Support",
        1,
        "critical",
        "live",
        "maria",
    ),
    (
        "Network and VPN",
        "Office networks, Wi-Fi and remote access VPN.",
        "Network Operations",
        1,
        "critical",
        "live",
        "maria",
    ),
    (
        "Workplace devices",
        "Laptops, phones and printers for employees.",
        "Service Desk",
        3,
        "office",
        "live",
        "maria",
    ),
    (
        "ERP",
        "Finance, purchasing and inventory (ERP system).",
        "Application Support",
        2,
        "office",
        "live",
        "maria",
    ),
    (
        "File sharing",
        "Team sites and document storage.",
        "Infrastructure",
        3,
        "office",
        "live",
        "maria",
    ),
    (
        "Data warehouse",
        "Reporting and analytics platform; in pilot.",
        "Infrastructure",
        4,
        None,
        "pipeline",
        "maria",
    ),
]

CIS = [
    ("exch-online", "application", ["E-mail and calendar"]),
    ("payroll-app01", "server", ["Payroll"]),
    ("payroll-db01", "database", ["Payroll"]),
    ("portal-web01", "server", ["Customer portal"]),
    ("portal-web02", "server", ["Customer portal"]),
    ("portal-db01", "database", ["Customer portal", "ERP"]),
    ("fw-core01", "network", ["Network and VPN", "Customer portal"]),
    ("vpn-gw01", "network", ["Network and VPN"]),
    ("wifi-ctrl01", "network", ["Network and VPN"]),
    ("erp-app01", "application", ["ERP"]),
    ("erp-db01", "database", ["ERP"]),
    ("fs-cluster01", "server", ["File sharing"]),
    ("print-srv01", "server", ["Workplace devices"]),
    ("dwh-db01", "database", ["Data warehouse"]),
]


INCIDENT_TITLES = [
    ("Cannot log in to e-mail", "access"),
    ("Payslip missing in the portal", "application"),
    ("VPN disconnects every few minutes", "network"),
    ("Printer on floor 3 prints blank pages", "hardware"),
    ("Customer portal checkout returns an error", "application"),
    ("ERP report takes forever", "performance"),
    ("Shared drive not mapped after restart", "access"),
    ("Laptop battery drains in an hour", "hardware"),
    ("Calendar invites arrive twice", "application"),
    ("Wi-Fi in meeting room B is down", "network"),
    ("Password reset link has expired", "access"),
    ("Invoices stuck in the ERP approval queue", "application"),
]
REPLIES = [
    "Thanks, we are looking into it.",
    "Could you send a screenshot of the error?",
    "We can reproduce this and are working on a fix.",
]
RESOLUTIONS = [
    "Restarted the service and verified with the caller.",
    "Reset the account and cleared the cached credentials.",
    "Replaced the faulty access point.",
    "Applied the vendor's patch; monitored for an hour.",
]


class Command(BaseCommand):
    help = "Load the demo organisation (once)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true")

    @transaction.atomic
    def handle(self, *args, **options):
        if Service.objects.exists():
            if not options["quiet"]:
                self.stdout.write("Demo data already present; nothing to do.")
            return
        users = self._users()
        policies = self._policies()
        groups = {}
        for name, description, manager, members in GROUPS:
            groups[name] = support_group_create(
                actor=users["admin"],
                data={
                    "name": name,
                    "description": description,
                    "email": "{slug}@example.com".format(slug=name.lower().replace(" ", "-")),
                    "manager": users[manager],
                    "members": [users[m] for m in members],
                },
            )
        services = {}
        for name, description, group, criticality, policy, lifecycle, owner in SERVICES:
            services[name] = service_create(
                actor=users["admin"],
                data={
                    "name": name,
                    "description": description,
                    "support_group": groups[group],
                    "criticality": criticality,
                    "sla_policy": policies.get(policy),
                    "lifecycle": lifecycle,
                    "owner": users[owner],
                },
            )
        for name, kind, service_names in CIS:
            ci_create(
                actor=users["admin"],
                data={"name": name, "kind": kind, "services": [services[s] for s in service_names]},
            )
        self._incidents(users, services)
        self._problems(users, services)
        self._changes(users, services)
        self._pdca(users, services)
        incident_sla_scan()
        problem_detect()
        if not options["quiet"]:
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))

    def _incidents(self, users, services):
        """80 incidents over the last 90 days walked through their life cycle, and 16 recent
        ones still open, so every queue shows something."""
        rng = random.Random(42)  # the same demo every time
        agents = [users[u] for u in ("erik", "sara", "ali", "lena")]
        callers = [users["anna"], users["johan"], users["maria"], users["karl"]]
        live = [s for s in services.values() if s.lifecycle == "live"]
        now = timezone.now()
        for n in range(96):
            if n < 80:
                opened = now - dt.timedelta(days=90 * (1 - n / 80), hours=rng.randint(0, 8))
                opened = opened.replace(hour=rng.randint(7, 16), minute=rng.randint(0, 59))
            else:
                opened = now - dt.timedelta(hours=rng.randint(1, 70), minutes=rng.randint(0, 59))
            if opened >= now:
                opened = now - dt.timedelta(hours=2)
            service = rng.choice(live)
            title, category = rng.choice(INCIDENT_TITLES)
            caller = rng.choice(callers)
            incident = incident_create(
                actor=caller if caller.username in ("anna", "johan") else rng.choice(agents),
                data={
                    "title": title,
                    "description": "Reported by {name}.".format(name=caller.get_full_name()),
                    "service": service,
                    "category": category,
                    "impact": rng.choice([1, 2, 2, 3, 3, 3]),
                    "urgency": rng.choice([1, 2, 2, 3, 3]),
                    "caller": caller,
                },
                now=opened,
            )
            age = (now - opened).days
            steps = self._steps(rng, age)
            t = opened
            agent = rng.choice(agents)
            for name, data, hours in steps:
                t = min(t + dt.timedelta(hours=hours), now - dt.timedelta(minutes=5))
                incident = incident_transition(
                    actor=caller if name == "confirm" else agent,
                    incident=incident.pk,
                    name=name,
                    expected_version=incident.version,
                    data=data,
                    now=t,
                )
                if name == "start":
                    incident_comment_add(
                        actor=agent, incident=incident.pk, body=rng.choice(REPLIES), now=t
                    )

    def _problems(self, users, services):
        """A published known error, a problem under analysis (5 whys), and a cluster of
        Wi-Fi incidents that detection will suggest as a problem."""
        now = timezone.now()
        lena, ali = users["lena"], users["ali"]
        vpn = Incident.objects.filter(title__startswith="VPN").order_by("opened_at")[:3]
        known = problem_create(
            actor=lena,
            data={
                "title": "VPN tunnels drop after the gateway's idle timeout",
                "description": "Users on the remote access VPN are disconnected every few minutes.",
                "service": services["Network and VPN"],
                "category": "network",
                "impact": 2,
                "urgency": 2,
                "rca_method": "five_whys",
                "rca_notes": [
                    {"why": "Why do tunnels drop?", "because": "The gateway closes idle sessions."},
                    {"why": "Why are they idle?", "because": "The client sends no keep-alives."},
                    {
                        "why": "Why no keep-alives?",
                        "because": "The profile from the last upgrade lacks them.",
                    },
                ],
            },
            incidents=list(vpn),
            now=now - dt.timedelta(days=20),
        )
        for name, data in (
            ("assess", {}),
            ("analyse", {}),
            (
                "mark_known_error",
                {
                    "root_cause": "The client profile lacks keep-alives since the last upgrade.",
                    "workaround": "Reconnect, or set *keep-alive 30 s* in the VPN client settings.",
                },
            ),
        ):
            known = problem_transition(
                actor=lena,
                problem=known.pk,
                name=name,
                expected_version=known.version,
                data=data,
                now=now - dt.timedelta(days=19),
            )
        analysing = problem_create(
            actor=ali,
            data={
                "title": "ERP reports slow at month end",
                "description": "Finance reports time out during the month-end close.",
                "service": services["ERP"],
                "category": "performance",
                "impact": 2,
                "urgency": 3,
            },
            now=now - dt.timedelta(days=6),
        )
        for name in ("assess", "analyse"):
            analysing = problem_transition(
                actor=ali, problem=analysing.pk, name=name, expected_version=analysing.version
            )
        wifi = services["Network and VPN"]
        for hours in (100, 80, 52, 30, 9):
            incident_create(
                actor=users["erik"],
                data={
                    "title": "Wi-Fi in meeting room B is down",
                    "service": wifi,
                    "category": "wifi",
                    "impact": 3,
                    "urgency": 2,
                    "caller": users["anna"],
                },
                now=now - dt.timedelta(hours=hours),
            )

    def _changes(self, users, services):
        """A CAB, standard templates, a freeze at year end, and changes in every stage: closed
        (one failed, which caused an incident), scheduled next week, one awaiting Karl's
        approval, and a draft."""
        now = timezone.now()
        lena, maria, karl = users["lena"], users["maria"], users["karl"]
        cab = support_group_create(
            actor=users["admin"],
            data={
                "name": "Change Advisory Board",
                "description": "Authorises normal changes.",
                "manager": maria,
                "members": [karl, maria],
            },
        )
        plans = {
            "implementation_plan": "1. Announce the window.\n2. Apply the change.\n3. Verify.",
            "backout_plan": "Restore the snapshot taken before the window.",
            "test_plan": "Smoke test the main user journeys; check monitoring for 30 minutes.",
        }
        restart = ChangeTemplate.objects.create(
            name="Restart application pool",
            title="Restart the application pool",
            service=services["Customer portal"],
            **plans,
        )
        ChangeTemplate.objects.create(
            name="Add printer queue",
            title="Add a printer queue",
            service=services["Workplace devices"],
            **plans,
        )
        year_end = now.replace(month=12, day=22, hour=0, minute=0, second=0, microsecond=0)
        if year_end < now:
            year_end = year_end.replace(year=year_end.year + 1)
        FreezeWindow.objects.create(
            name="Year-end close",
            start=year_end,
            end=year_end + dt.timedelta(days=12),
            reason="Finance closes the books; only emergencies.",
            created_by=maria,
        )

        def walk(change, steps, at):
            for name, data in steps:
                if name == "approve":
                    change_decide(actor=karl, change=change.pk, approve=True, comment="OK", now=at)
                    change_decide(actor=maria, change=change.pk, approve=True, comment="OK", now=at)
                    continue
                change = change_transition(
                    actor=lena,
                    change=change.pk,
                    name=name,
                    expected_version=None,
                    data=data,
                    now=at,
                )
            return change

        full = [
            ("submit", {}),
            ("request_approval", {}),
            ("approve", {}),
            ("schedule", {"acknowledge_conflicts": True}),
            ("implement", {}),
        ]
        for days_ago, outcome, title in (
            (40, "successful", "Upgrade ERP to 12.4"),
            (25, "failed", "Move portal database to new storage"),
            (12, "successful", "Replace core firewall rules"),
        ):
            start = now - dt.timedelta(days=days_ago)
            change = change_create(
                actor=lena,
                data={
                    "title": title,
                    "service": services["ERP" if "ERP" in title else "Customer portal"],
                    "impact": 2,
                    "likelihood": 2,
                    "approver_group": cab,
                    "planned_start": start,
                    "planned_end": start + dt.timedelta(hours=3),
                    **plans,
                },
                now=start - dt.timedelta(days=5),
            )
            change = walk(change, full, start)
            change = walk(change, [("review", {"outcome": outcome})], start + dt.timedelta(hours=3))
            review = (
                "Storage latency was underestimated; backed out." if outcome == "failed" else ""
            )
            change = walk(
                change, [("close", {"review_notes": review})], start + dt.timedelta(days=1)
            )
            if outcome == "failed":
                caused = incident_create(
                    actor=users["erik"],
                    data={
                        "title": "Customer portal checkout times out",
                        "service": services["Customer portal"],
                        "category": "application",
                        "impact": 1,
                        "urgency": 1,
                        "caller": users["johan"],
                    },
                    now=start + dt.timedelta(hours=4),
                )
                change_link_caused_incident(actor=lena, change=change.pk, incident=caused.pk)
        next_week = (now + dt.timedelta(days=7)).replace(hour=20, minute=0, second=0, microsecond=0)
        scheduled = change_create(
            actor=lena,
            data={
                "title": "Patch payroll servers",
                "service": services["Payroll"],
                "impact": 2,
                "likelihood": 3,
                "approver_group": cab,
                "planned_start": next_week,
                "planned_end": next_week + dt.timedelta(hours=2),
                **plans,
            },
            now=now - dt.timedelta(hours=1),
        )
        walk(scheduled, full[:4], now)
        standard = change_create(
            actor=lena,
            data={
                "planned_start": next_week + dt.timedelta(days=1),
                "planned_end": next_week + dt.timedelta(days=1, hours=1),
            },
            template=restart,
            now=now - dt.timedelta(hours=1),
        )
        walk(standard, [("submit", {}), ("schedule", {"acknowledge_conflicts": True})], now)
        waiting = change_create(
            actor=lena,
            data={
                "title": "Enable MFA for VPN users",
                "service": services["Network and VPN"],
                "impact": 1,
                "likelihood": 2,
                "approvers": [karl],
                "planned_start": next_week + dt.timedelta(days=2),
                "planned_end": next_week + dt.timedelta(days=2, hours=4),
                **plans,
            },
            now=now - dt.timedelta(hours=1),
        )
        walk(waiting, [("submit", {}), ("request_approval", {})], now)
        change_create(
            actor=users["ali"],
            data={
                "title": "Upgrade Wi-Fi controller firmware",
                "service": services["Network and VPN"],
                "reason": "Fixes the meeting room B drop-outs.",
                "impact": 3,
                "likelihood": 2,
            },
            now=now - dt.timedelta(hours=1),
        )

    def _pdca(self, users, services):
        """A strategy with a cycle over the demo's 90 days, four goals, and a review for
        every full week so far, so the dashboard shows trends."""
        today = timezone.localdate()
        strategy = Strategy.objects.create(
            name="Stable everyday IT",
            vision="Staff never have to think about their IT: it works, and when it does not, it is fixed fast.",
            objectives="Restore service fast; learn from every failure; change safely.",
            owner=users["maria"],
            horizon_start=today.replace(month=1, day=1),
            horizon_end=today.replace(year=today.year + 1, month=12, day=31),
        )
        cycle = Cycle.objects.create(
            strategy=strategy,
            name="This quarter",
            start=today - dt.timedelta(days=63),
            end=today + dt.timedelta(days=28),
            review_days=7,
            phase="do",
        )
        for name, kpi, target, direction in (
            ("Mean time to restore ≤ 16 h", "mttr_hours", 16, "at_most"),
            ("SLA compliance ≥ 95 %", "sla_compliance", 95, "at_least"),
            ("Reopen rate ≤ 5 %", "reopen_rate", 5, "at_most"),
            ("Change success rate ≥ 90 %", "change_success_rate", 90, "at_least"),
        ):
            Goal.objects.create(cycle=cycle, name=name, kpi=kpi, target=target, direction=direction)
        now = timezone.now()
        mttr = Goal.objects.get(cycle=cycle, kpi="mttr_hours")
        changes_goal = Goal.objects.get(cycle=cycle, kpi="change_success_rate")
        # The register: one action done five weeks ago (later reviews check whether it
        # worked), one under way, one overdue.
        for title, goal, status, due, done_days_ago, benefit in (
            ("Runbooks for the five most common mail faults", mttr, "done",
             today - dt.timedelta(days=36), 35, "Agents restore mail without escalating."),
            ("Self-service password reset", mttr, "in_progress",
             today + dt.timedelta(days=10), None, "Fewer password tickets and faster fixes."),
            ("Pre-implementation checklist for network changes", changes_goal, "planned",
             today - dt.timedelta(days=3), None, "No change without a tested back-out plan."),
        ):  # fmt: skip
            ImprovementAction.objects.create(
                title=title,
                owner=users["maria"],
                due_date=due,
                status=status,
                expected_benefit=benefit,
                goal=goal,
                completed_at=now - dt.timedelta(days=done_days_ago) if done_days_ago else None,
            )
        for n in range(1, 10):
            reviews_run_due(now=now - dt.timedelta(days=7 * (9 - n)))
        # A record an agent sent to the strategic queue with a reason.
        incident = Incident.objects.filter(is_major=False).order_by("-opened_at").first()
        if incident is not None:
            strategic_triage(
                actor=users["erik"],
                kind="incident",
                record=incident.pk,
                reason="Keeps coming back for the same team: a question of design, not of the fix.",
            )

    @staticmethod
    def _steps(rng, age):
        resolve = (
            "resolve",
            {
                "resolution_code": rng.choice(["fixed", "workaround", "user_error"]),
                "resolution_notes": rng.choice(RESOLUTIONS),
            },
            rng.randint(1, 30),
        )
        if age > 10:
            return [
                ("start", {}, rng.uniform(0.2, 3)),
                resolve,
                ("confirm", {}, rng.randint(2, 40)),
            ]
        if age > 3:
            return [("start", {}, rng.uniform(0.2, 3)), resolve]
        return rng.choice(
            [
                [],
                [("start", {}, rng.uniform(0.2, 2))],
                [("start", {}, 0.5), ("hold", {"hold_reason": "awaiting_caller"}, 2)],
            ]
        )

    def _users(self):
        users = {}
        for username, first, last, role in USERS:
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                email="{u}@example.com".format(u=username),
                is_staff=role == "administrator",
                is_superuser=role == "administrator",
            )
            user.groups.add(Group.objects.get(name=role))
            users[username] = user
        return users

    def _policies(self):
        office = SlaPolicy.objects.create(
            name="Office hours (Sweden)",
            description="Weekdays 08:00–17:00 with lunch 12:00–13:00, Swedish public holidays.",
            is_default=True,
            time_zone="Europe/Stockholm",
            work_start=dt.time(8),
            work_end=dt.time(17),
            break_start=dt.time(12),
            break_end=dt.time(13),
            holiday_country="SE",
        )
        critical = SlaPolicy.objects.create(
            name="Business critical 24×7",
            description="Round-the-clock support for business-critical services.",
            always_on=True,
            time_zone="Europe/Stockholm",
            holiday_country="",
        )
        for policy, targets in ((office, OFFICE_TARGETS), (critical, CRITICAL_TARGETS)):
            SlaTarget.objects.bulk_create(
                SlaTarget(policy=policy, priority=p, response_minutes=r, resolution_minutes=res)
                for p, (r, res) in targets.items()
            )
        return {"office": office, "critical": critical}
