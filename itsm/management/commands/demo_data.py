"""Load the demo organisation once: services, CIs, SLA policies, groups and a user per role.

Each process app adds its own records here as it grows. Run again, it does nothing unless
--force is given on an empty database.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from catalog.models import Service
from catalog.services import ci_create, service_create, support_group_create
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
    ("Service Desk", "First line: logging, triage, first-contact resolution.", "maria",
     ["erik", "sara", "ali", "lena"]),
    ("Network Operations", "LAN, WAN, VPN, firewalls and DNS.", "maria", ["ali", "erik"]),
    ("Application Support", "Business applications and integrations.", "maria", ["sara", "lena"]),
    ("Infrastructure", "Servers, storage, databases and backups.", "maria", ["lena", "ali"]),
]  # fmt: skip

SERVICES = [
    # name, description, group, criticality, policy, lifecycle, owner
    ("E-mail and calendar", "Exchange Online mail, calendars and shared mailboxes.",
     "Application Support", 2, "office", "live", "maria"),
    ("Payroll", "Monthly salary runs and time reporting for all staff.",
     "Application Support", 1, "critical", "live", "maria"),
    ("Customer portal", "The public web portal where customers place and track orders.",
     "Application Support", 1, "critical", "live", "maria"),
    ("Network and VPN", "Office networks, Wi-Fi and remote access VPN.",
     "Network Operations", 1, "critical", "live", "maria"),
    ("Workplace devices", "Laptops, phones and printers for employees.",
     "Service Desk", 3, "office", "live", "maria"),
    ("ERP", "Finance, purchasing and inventory (ERP system).",
     "Application Support", 2, "office", "live", "maria"),
    ("File sharing", "Team sites and document storage.",
     "Infrastructure", 3, "office", "live", "maria"),
    ("Data warehouse", "Reporting and analytics platform; in pilot.",
     "Infrastructure", 4, None, "pipeline", "maria"),
]  # fmt: skip

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
        if not options["quiet"]:
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))

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
