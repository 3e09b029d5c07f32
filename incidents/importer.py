"""Import the ServiceNow incident event log (UCI dataset 498) as incidents with their history.

The file (see /work/shared/data/README.md §1) has one row per update of an incident; the rows
of one incident are contiguous. Each incident becomes one `Incident` whose fields come from its
last valid event, and each valid event becomes one append-only `HistoricalIncident` row dated
at the event, so the audit trail (and the SLA clocks derived from it) shows the incident as it
was in the source system.

Assumptions and choices, each a property of the source file:

- **Time zone.** Dates are `d/m/Y H:M` with no zone. They are read as local time in
  `settings.TIME_ZONE` (or the zone passed in) with zoneinfo. An ambiguous time in the autumn
  fall-back hour means its first occurrence (fold=0); a time that does not exist (the spring
  gap) gets the offset in force before the gap.
- **Order.** Events are ordered by `sys_mod_count`, then `sys_updated_at`. A handful of
  incidents have a first event dated before the incident was opened or a repeated
  `sys_mod_count`; their history date is raised to the previous event's date so the trail
  stays in order (counted as `event_times_clamped`; the source time is kept in the change
  reason).
- **The first event** is the creation (`+`), dated at `opened_at`; later events (`~`) are dated
  at `sys_updated_at`. `created_at` is `opened_at` too.
- **Enriched columns.** `resolved_at`, `closed_at`, `closed_code` and `resolved_by` carry the
  incident's final values on every row. An event shows `resolved_at` only when its state is
  Resolved or Closed, and `closed_at` only when it is Closed; neither later than the event's
  own `sys_updated_at` (742 rows resolve "in the future" otherwise, because a later
  re-resolution moved the final value). Last rows are consistent, so the incident keeps the
  file's values.
- **Priority** is kept as the source recorded it (its matrix gives P4 for Low/Low where ours
  gives P5); where it differs from ours, `priority_override_reason` says so.
- **People and groups** are anonymised labels ("Caller 2403"). Each becomes an inactive user
  with an unusable password and a stable username (`caller-2403`, `opened-by-8`,
  `resolver-17`, `resolved-by-149`, `updater-908`); a missing caller or opener is the
  `import-bot` user. Groups become "Imported – Group 70" and categories the services
  "Imported – Category 55", owned by `import-bot`. The same names are found again by the next
  run.
- **Validation** happens here in Python (states, dates, ranges, choices) instead of
  `full_clean()` per row: the rows are bulk-inserted, a batch of incidents per transaction, so
  a failure loses at most that batch and never leaves half an incident. This is the one write
  path that bypasses `incident_create`: the records are history, not new work (no
  notifications, no outbox, no SLA recomputation).
- **Idempotent.** An incident whose number exists is skipped (`already_imported`). The INC
  number sequence is raised to at least the highest imported number.
"""

import csv
import gzip
import io
import re
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.text import slugify

from catalog.choices import Criticality, Lifecycle
from catalog.models import Service, SupportGroup
from catalog.services import service_create, support_group_create
from core.models import NumberSequence
from incidents.choices import (
    ContactChannel,
    HoldReason,
    Impact,
    IncidentState,
    Priority,
    ResolutionCode,
    Urgency,
    priority_for,
)
from incidents.constants import NUMBER_PREFIX
from incidents.models import Incident
from sla.selectors import sla_policy_default

# --- the source format ----------------------------------------------------------------------

COLUMNS = (
    "number", "incident_state", "active", "reassignment_count", "reopen_count", "sys_mod_count",
    "made_sla", "caller_id", "opened_by", "opened_at", "sys_created_by", "sys_created_at",
    "sys_updated_by", "sys_updated_at", "contact_type", "location", "category", "subcategory",
    "u_symptom", "cmdb_ci", "impact", "urgency", "priority", "assignment_group", "assigned_to",
    "knowledge", "u_priority_confirmation", "notify", "problem_id", "rfc", "vendor", "caused_by",
    "closed_code", "resolved_by", "resolved_at", "closed_at",
)  # fmt: skip
USED_COLUMNS = (
    "number", "incident_state", "reassignment_count", "reopen_count", "sys_mod_count",
    "made_sla", "caller_id", "opened_by", "opened_at", "sys_updated_by", "sys_updated_at",
    "contact_type", "location", "category", "subcategory", "u_symptom", "impact", "urgency",
    "priority", "assignment_group", "assigned_to", "closed_code", "resolved_by", "resolved_at",
    "closed_at",
)  # fmt: skip
NULL = "?"
NUMBER_RE = re.compile(r"{prefix}\d{{1,13}}".format(prefix=NUMBER_PREFIX))
DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})")
GZIP_MAGIC = b"\x1f\x8b"

STATES: dict[str, tuple[str, str]] = {
    "New": (IncidentState.NEW.value, ""),
    "Active": (IncidentState.IN_PROGRESS.value, ""),
    "Awaiting User Info": (IncidentState.ON_HOLD.value, HoldReason.AWAITING_CALLER.value),
    "Awaiting Vendor": (IncidentState.ON_HOLD.value, HoldReason.AWAITING_VENDOR.value),
    # The closest hold reason we have: a problem fix usually arrives as a change.
    "Awaiting Problem": (IncidentState.ON_HOLD.value, HoldReason.AWAITING_CHANGE.value),
    "Awaiting Evidence": (IncidentState.ON_HOLD.value, HoldReason.AWAITING_CALLER.value),
    "Resolved": (IncidentState.RESOLVED.value, ""),
    "Closed": (IncidentState.CLOSED.value, ""),
}
DONE_STATES = frozenset({IncidentState.RESOLVED.value, IncidentState.CLOSED.value})
CHANNELS = {
    "Phone": ContactChannel.PHONE.value,
    "IVR": ContactChannel.PHONE.value,
    "Email": ContactChannel.EMAIL.value,
    "Self service": ContactChannel.PORTAL.value,
    "Walk-in": ContactChannel.WALK_IN.value,
    "Direct opening": ContactChannel.WALK_IN.value,
}
# column → (label in the file, username prefix); "Caller 2403" → "caller-2403".
PEOPLE = {
    "caller_id": ("Caller", "caller"),
    "opened_by": ("Opened by", "opened-by"),
    "assigned_to": ("Resolver", "resolver"),
    "resolved_by": ("Resolved by", "resolved-by"),
    "sys_updated_by": ("Updated by", "updater"),
}
BOT_USERNAME = "import-bot"
IMPORTED = "Imported"
NAME_PREFIX = "Imported – "
UNASSIGNED_GROUP = NAME_PREFIX + "unassigned"
UNCATEGORISED_SERVICE = NAME_PREFIX + "Uncategorised"
TITLE_FALLBACK = "Imported incident"
IMPACTS = frozenset(Impact.values)
URGENCIES = frozenset(Urgency.values)
PRIORITIES = frozenset(Priority.values)
OUR_PRIORITY = {(i, u): priority_for(i, u) for i in IMPACTS for u in URGENCIES}

# Why a row or an incident was left out (the summary groups by these).
MALFORMED_ROW = "malformed_row"  # wrong column count or unreadable CSV
BAD_NUMBER = "bad_number"  # not INC followed by digits
UNKNOWN_STATE = "unknown_state"  # e.g. the source's -100
BAD_DATE = "bad_date"  # unparseable, missing where required, or resolved before opened
BAD_VALUE = "bad_value"  # counts, impact/urgency/priority or made_sla out of range
NOT_CONTIGUOUS = "not_contiguous"  # an incident's rows reappear after another incident
TRUNCATED_FILE = "truncated_file"  # the incident being read when the file broke off
ALREADY_IMPORTED = "already_imported"
BAD_INCIDENT = "bad_incident"  # no valid event (e.g. opened_at unparseable in every row)

QUERY_CHUNK = 500  # keeps IN (...) lists under every backend's parameter limit
INSERT_CHUNK = 1000  # rows per INSERT of bulk_create (users)

User = get_user_model()
HistoricalIncident = Incident.history.model


class IncidentLogError(Exception):
    """The file cannot be imported at all (missing, not a CSV of the expected columns)."""


@dataclass
class ImportResult:
    """What one run did; the command prints it."""

    incidents_imported: int = 0
    events_imported: int = 0
    rows_read: int = 0
    incidents_skipped: Counter[str] = field(default_factory=Counter)
    rows_skipped: Counter[str] = field(default_factory=Counter)
    users_created: int = 0
    groups_created: int = 0
    services_created: int = 0
    event_times_clamped: int = 0
    file_truncated: bool = False
    highest_number: int = 0
    elapsed_seconds: float = 0.0

    @property
    def incidents_seen(self) -> int:
        return self.incidents_imported + sum(self.incidents_skipped.values())


Progress = Callable[[ImportResult, float], None]


@dataclass(slots=True)
class _Event:
    """One valid row, parsed; people are usernames, the group and service are names."""

    mod_count: int
    updated_at: datetime
    opened_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    state: str
    hold_reason: str
    impact: int
    urgency: int
    priority: int
    reassignment_count: int
    reopen_count: int
    made_sla: bool | None
    caller: str | None
    opened_by: str | None
    assignee: str | None
    resolved_by: str | None
    updated_by: str | None
    group: str | None
    service: str
    category: str
    subcategory: str
    symptom: str
    location: str
    channel: str
    close_code: str
    raw_updated_at: str
    refs: dict[str, str] = field(default_factory=dict)


# --- links to higher processes -------------------------------------------------------------

LINK_COLUMNS = ("problem_id", "rfc", "caused_by")
"""Columns naming records of other processes; the apps that own them register a hook."""

LinkHook = Callable[[dict[str, dict[str, str]], dict[str, int], Any], None]
_link_hooks: list[LinkHook] = []


def incident_import_link_register(hook: LinkHook) -> None:
    """Register `hook(refs, ids, actor)`, called in each batch's transaction with, for every
    incident imported in it, the last non-empty value of each LINK_COLUMNS column
    (`refs[number] = {"problem_id": "Problem ID 2"}`) and the new incident ids."""
    if hook not in _link_hooks:
        _link_hooks.append(hook)


# --- the entry point ------------------------------------------------------------------------


def incident_log_import(
    *,
    path: str | Path,
    limit_incidents: int | None = None,
    batch_size: int = 2000,
    time_zone: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import the incident event log at `path` (plain or gzipped CSV); return the counts.

    Processes `batch_size` incidents per transaction and calls `progress(result, fraction)`
    after each. Raises IncidentLogError when the file is missing or its header lacks columns;
    bad rows are skipped and counted, never raised.
    """
    if batch_size < 1:
        raise IncidentLogError("The batch size must be at least 1.")
    try:
        zone = ZoneInfo(time_zone or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise IncidentLogError("Unknown time zone {zone!r}.".format(zone=time_zone)) from exc
    path = Path(path)
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise IncidentLogError("Cannot open {path}: {error}".format(path=path, error=exc)) from exc
    with raw:
        importer = _Importer(source=path.name, zone=zone, progress=progress)
        return importer.run(raw, size=path.stat().st_size, limit=limit_incidents, batch=batch_size)


# --- the machinery --------------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _plain(value: Any) -> Any:
    """A choices member as its value, so every database driver adapts it."""
    return value.value if isinstance(value, Enum) else value


def _clean(value: str) -> str:
    """Collapse runs of spaces ("Opened by  8"); the null marker becomes ""."""
    value = " ".join(value.split())
    return "" if value == NULL else value


class _Importer:
    def __init__(self, *, source: str, zone: ZoneInfo, progress: Progress | None) -> None:
        self.source = source
        self.zone = zone
        self.progress = progress
        self.result = ImportResult()
        self.dates: dict[str, datetime | None] = {}
        self.usernames: dict[tuple[str, str], tuple[str, str] | None] = {}
        self.users: dict[str, int] = {}
        self.groups: dict[str, SupportGroup] = {}
        self.services: dict[str, tuple[int, int | None]] = {}
        self.bot: Any = None
        self.default_policy_id: int | None = None
        self.reported = 0.0
        self.incident_table = _Table(Incident)
        self.history_table = _Table(HistoricalIncident)

    # --- reading ----------------------------------------------------------------------------

    def run(self, raw: BinaryIO, *, size: int, limit: int | None, batch: int) -> ImportResult:
        started = time.monotonic()
        magic = raw.read(2)
        raw.seek(0)
        binary: Any = gzip.GzipFile(fileobj=raw, mode="rb") if magic == GZIP_MAGIC else raw
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text)
        index = self._header(reader)
        self._reference_start()

        pending: list[tuple[str, list[_Event]]] = []
        for number, rows in self._groups(reader, index, limit):
            events = self._events(rows, index)
            if events is None:
                self.result.incidents_skipped[BAD_INCIDENT] += 1
                continue
            pending.append((number, events))
            if len(pending) >= batch:
                self._batch(pending)
                pending = []
                self._report(raw, size, limit, started)
        if pending:
            self._batch(pending)
        self.result.elapsed_seconds = time.monotonic() - started
        if self.progress is not None and self.reported < 1.0:
            self.progress(self.result, 1.0)
        return self.result

    def _report(self, raw: BinaryIO, size: int, limit: int | None, started: float) -> None:
        self.result.elapsed_seconds = time.monotonic() - started
        if self.progress is None:
            return
        if limit:
            fraction = self.result.incidents_seen / limit
        else:
            fraction = raw.tell() / size if size else 0.0
        self.reported = min(fraction, 1.0)
        self.progress(self.result, self.reported)

    def _header(self, reader: Iterator[list[str]]) -> dict[str, int]:
        try:
            header = next(reader)
        except StopIteration:
            raise IncidentLogError("The file is empty.") from None
        except (csv.Error, OSError, EOFError, zlib.error) as exc:
            raise IncidentLogError("Cannot read the header: {error}".format(error=exc)) from exc
        names = [h.strip() for h in header]
        missing = [c for c in USED_COLUMNS if c not in names]
        if missing:
            raise IncidentLogError(
                "Not an incident event log: missing columns {columns}.".format(
                    columns=", ".join(missing)
                )
            )
        index = {name: names.index(name) for name in USED_COLUMNS}
        index.update({name: names.index(name) for name in LINK_COLUMNS if name in names})
        index["__width__"] = len(names)
        return index

    def _rows(self, reader: Iterator[list[str]]) -> Iterator[list[str] | None]:
        """The data rows; None marks a row the CSV reader could not parse. Stops at a broken
        end of file (a truncated gzip), raising _Truncated."""
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error:
                yield None
                continue
            except (OSError, EOFError, zlib.error) as exc:
                raise _Truncated from exc
            if row:  # a blank line is no row
                yield row

    def _groups(
        self, reader: Iterator[list[str]], index: dict[str, int], limit: int | None
    ) -> Iterator[tuple[str, list[list[str]]]]:
        """Consecutive rows of one number; bad and out-of-place rows are counted and dropped."""
        skipped = self.result.rows_skipped
        width, at_number = index["__width__"], index["number"]
        seen: set[str] = set()
        current, rows, discard, started = "", [], False, 0
        try:
            for row in self._rows(reader):
                self.result.rows_read += 1
                if row is None or len(row) != width:
                    skipped[MALFORMED_ROW] += 1
                    continue
                number = row[at_number].strip()
                if not NUMBER_RE.fullmatch(number):
                    skipped[BAD_NUMBER] += 1
                    continue
                if number != current:
                    if rows:
                        yield current, rows
                        rows = []
                    if number not in seen and limit is not None and started >= limit:
                        self.result.rows_read -= 1  # not read as far as the import goes
                        return
                    current, discard = number, number in seen
                    if not discard:
                        seen.add(number)
                        started += 1
                if discard:
                    skipped[NOT_CONTIGUOUS] += 1
                    continue
                rows.append(row)
        except _Truncated:
            # The incident being read may have lost rows: leave it out whole.
            self.result.file_truncated = True
            skipped[TRUNCATED_FILE] += len(rows)
            return
        if rows:
            yield current, rows

    # --- parsing ----------------------------------------------------------------------------

    def _date(self, text: str) -> datetime | None:
        """A local `d/m/Y H:M` as an aware datetime; None when malformed (cached)."""
        try:
            return self.dates[text]
        except KeyError:
            pass
        value = None
        match = DATE_RE.fullmatch(text.strip())
        if match is not None:
            day, month, year, hour, minute = (int(g) for g in match.groups())
            try:
                value = datetime(year, month, day, hour, minute, tzinfo=self.zone)
            except ValueError:
                value = None
        self.dates[text] = value
        return value

    def _username(self, column: str, text: str) -> tuple[str, str] | None:
        """(username, label) for a person column's value; None for the null marker."""
        key = (column, text)
        try:
            return self.usernames[key]
        except KeyError:
            pass
        label, prefix = PEOPLE[column]
        value = _clean(text)
        found = None
        if value:
            rest = value[len(label) :] if value.lower().startswith(label.lower()) else value
            slug = slugify(rest)
            if slug:
                found = ("{prefix}-{slug}".format(prefix=prefix, slug=slug)[:150], value)
        self.usernames[key] = found
        return found

    def _events(self, rows: list[list[str]], index: dict[str, int]) -> list[_Event] | None:
        """The incident's valid events in order; None when it has none."""
        events = []
        for row in rows:
            parsed = self._event(row, index)
            if isinstance(parsed, str):
                self.result.rows_skipped[parsed] += 1
            else:
                events.append(parsed)
        if not events:
            return None
        events.sort(key=lambda e: (e.mod_count, e.updated_at))
        return events

    def _event(self, row: list[str], index: dict[str, int]) -> "_Event | str":
        """Parse one row, or return why it is skipped."""

        def col(name: str) -> str:
            return row[index[name]]

        mapped = STATES.get(col("incident_state").strip())
        if mapped is None:
            return UNKNOWN_STATE
        state, hold_reason = mapped

        opened_at = self._date(col("opened_at"))
        updated_at = self._date(col("sys_updated_at"))
        if opened_at is None or updated_at is None:
            return BAD_DATE
        finals = []
        for name in ("resolved_at", "closed_at"):
            text = col(name).strip()
            value = None if text == NULL else self._date(text)
            if value is None and text != NULL:
                return BAD_DATE
            finals.append(value)
        if finals[0] is not None and finals[0] < opened_at:
            return BAD_DATE  # the model refuses it (inc_resolved_after_opened)
        # The columns hold the final values; an event cannot show a later resolution.
        resolved_at = closed_at = None
        if state in DONE_STATES and finals[0] is not None:
            resolved_at = max(min(finals[0], updated_at), opened_at)
        if state == IncidentState.CLOSED.value and finals[1] is not None:
            closed_at = min(finals[1], updated_at)

        try:
            mod_count = int(col("sys_mod_count"))
            reassignments = int(col("reassignment_count"))
            reopens = int(col("reopen_count"))
            impact = int(col("impact").split("-", 1)[0])
            urgency = int(col("urgency").split("-", 1)[0])
            priority = int(col("priority").split("-", 1)[0])
        except ValueError:
            return BAD_VALUE
        if (
            min(mod_count, reassignments, reopens) < 0
            or impact not in IMPACTS
            or urgency not in URGENCIES
            or priority not in PRIORITIES
        ):
            return BAD_VALUE
        made_sla_text = col("made_sla").strip().lower()
        if made_sla_text not in ("true", "false", NULL):
            return BAD_VALUE
        made_sla = None if made_sla_text == NULL else made_sla_text == "true"

        people = {c: self._username(c, col(c)) for c in PEOPLE}
        category = _clean(col("category"))[:100]
        group = _clean(col("assignment_group"))
        return _Event(
            mod_count=mod_count,
            updated_at=updated_at,
            opened_at=opened_at,
            resolved_at=resolved_at,
            closed_at=closed_at,
            state=state,
            hold_reason=hold_reason,
            impact=impact,
            urgency=urgency,
            priority=priority,
            reassignment_count=reassignments,
            reopen_count=reopens,
            made_sla=made_sla,
            caller=people["caller_id"] and people["caller_id"][0],
            opened_by=people["opened_by"] and people["opened_by"][0],
            assignee=people["assigned_to"] and people["assigned_to"][0],
            resolved_by=people["resolved_by"] and people["resolved_by"][0],
            updated_by=people["sys_updated_by"] and people["sys_updated_by"][0],
            group=(NAME_PREFIX + group)[:100] if group else None,
            service=(NAME_PREFIX + category)[:100] if category else UNCATEGORISED_SERVICE,
            category=category,
            subcategory=_clean(col("subcategory"))[:100],
            symptom=_clean(col("u_symptom")),
            location=_clean(col("location")),
            channel=CHANNELS.get(_clean(col("contact_type")), ContactChannel.PORTAL.value),
            close_code=_clean(col("closed_code")),
            raw_updated_at=col("sys_updated_at").strip(),
            refs={n: v for n in LINK_COLUMNS if n in index and (v := _clean(col(n)))},
        )

    # --- reference data ---------------------------------------------------------------------

    def _reference_start(self) -> None:
        bot, created = User.objects.get_or_create(
            username=BOT_USERNAME,
            defaults={
                "first_name": "Import",
                "last_name": "bot",
                "is_active": False,
                "password": make_password(None),
            },
        )
        self.bot = bot
        self.users[BOT_USERNAME] = bot.pk
        self.result.users_created += int(created)
        policy = sla_policy_default()
        self.default_policy_id = policy.pk if policy is not None else None

    def _reference_ensure(self, batch: Iterable[tuple[str, list[_Event]]]) -> None:
        """Find or create every user, group and service the batch names (a few queries)."""
        usernames: dict[str, None] = {}
        groups: dict[str, None] = {}
        services: dict[str, str | None] = {}  # service → group of the first event using it
        for _number, events in batch:
            for e in events:
                for name in (e.caller, e.opened_by, e.assignee, e.resolved_by, e.updated_by):
                    if name is not None and name not in self.users:
                        usernames[name] = None
                if e.group is not None and e.group not in self.groups:
                    groups[e.group] = None
                if e.service not in self.services and e.service not in services:
                    services[e.service] = e.group
        if usernames:
            self._users_ensure(list(usernames))
        if groups:
            self._groups_ensure(list(groups))
        if services:
            self._services_ensure(services)

    def _users_ensure(self, names: list[str]) -> None:
        for chunk in _chunks(names, QUERY_CHUNK):
            self.users.update(User.objects.filter(username__in=chunk).values_list("username", "pk"))
        wanted = set(names)
        label_of = {
            found[0]: found[1] for found in self.usernames.values() if found and found[0] in wanted
        }
        new = [
            User(
                username=name,
                first_name=IMPORTED,
                last_name=label_of.get(name, name)[:150],
                is_active=False,
                password=make_password(None),
            )
            for name in names
            if name not in self.users
        ]
        for user in User.objects.bulk_create(new, batch_size=INSERT_CHUNK):
            self.users[user.username] = user.pk
        self.result.users_created += len(new)

    def _groups_ensure(self, names: list[str]) -> None:
        for chunk in _chunks(names, QUERY_CHUNK):
            self.groups.update((g.name, g) for g in SupportGroup.objects.filter(name__in=chunk))
        for name in names:
            if name not in self.groups:
                self.groups[name] = support_group_create(
                    actor=self.bot,
                    data={
                        "name": name,
                        "description": "Created by the incident importer from {source}.".format(
                            source=self.source
                        ),
                    },
                )
                self.result.groups_created += 1

    def _services_ensure(self, wanted: dict[str, str | None]) -> None:
        names = list(wanted)
        for chunk in _chunks(names, QUERY_CHUNK):
            self.services.update(
                (name, (pk, policy))
                for name, pk, policy in Service.objects.filter(name__in=chunk).values_list(
                    "name", "pk", "sla_policy_id"
                )
            )
        for name in names:
            if name in self.services:
                continue
            group_name = wanted[name]
            if group_name is None:
                self._groups_ensure([UNASSIGNED_GROUP])
                group_name = UNASSIGNED_GROUP
            service = service_create(
                actor=self.bot,
                data={
                    "name": name,
                    "description": "Created by the incident importer from {source}.".format(
                        source=self.source
                    ),
                    "owner": self.bot,
                    "support_group": self.groups[group_name],
                    "criticality": Criticality.MEDIUM,
                    "lifecycle": Lifecycle.LIVE,
                },
            )
            self.services[name] = (service.pk, service.sla_policy_id)
            self.result.services_created += 1

    # --- writing ----------------------------------------------------------------------------

    def _batch(self, batch: list[tuple[str, list[_Event]]]) -> None:
        """Insert one batch of incidents with their history, all or nothing."""
        with transaction.atomic():
            numbers = [number for number, _events in batch]
            existing = self._ids_of(numbers)
            fresh = [(n, events) for n, events in batch if n not in existing]
            self.result.incidents_skipped[ALREADY_IMPORTED] += len(batch) - len(fresh)
            highest = max(int(n[len(NUMBER_PREFIX) :]) for n in numbers)
            if fresh:
                self._reference_ensure(fresh)
                trails = [
                    (
                        number,
                        events,
                        [self._snapshot(number, e, i + 1) for i, e in enumerate(events)],
                    )
                    for number, events in fresh
                ]
                now = timezone.now()
                self.incident_table.insert(
                    [{**snapshots[-1], "updated_at": now} for _n, _e, snapshots in trails]
                )
                ids = self._ids_of([number for number, _e, _s in trails])
                history = [
                    row
                    for number, events, snapshots in trails
                    for row in self._history(ids[number], events, snapshots)
                ]
                self.history_table.insert(history)
                refs = {
                    number: merged
                    for number, events, _s in trails
                    if (merged := {k: v for e in events for k, v in e.refs.items()})
                }
                for hook in _link_hooks:
                    hook(refs, ids, self.bot)
                self.result.incidents_imported += len(trails)
                self.result.events_imported += len(history)
            self._sequence_raise(highest)
            self.result.highest_number = max(self.result.highest_number, highest)

    def _ids_of(self, numbers: list[str]) -> dict[str, int]:
        """number → id of the incidents that exist among `numbers`."""
        found: dict[str, int] = {}
        for chunk in _chunks(numbers, QUERY_CHUNK):
            found.update(Incident.objects.filter(number__in=chunk).values_list("number", "pk"))
        return found

    def _sequence_raise(self, highest: int) -> None:
        """New incidents never reuse an imported number (one UPDATE; it holds the row lock)."""
        NumberSequence.objects.get_or_create(kind=NUMBER_PREFIX)
        NumberSequence.objects.filter(kind=NUMBER_PREFIX).update(
            last=Greatest(F("last"), Value(highest))
        )

    def _snapshot(self, number: str, e: _Event, version: int) -> dict[str, Any]:
        """The incident's columns as of event `e`."""
        head = " / ".join(p for p in (e.category, e.subcategory) if p)
        if head and e.symptom:
            title = "{head}: {symptom}".format(head=head, symptom=e.symptom)
        else:
            title = head or e.symptom or TITLE_FALLBACK
        done = e.state in DONE_STATES
        notes = ""
        if done:
            notes = (
                "Source close code: {code}".format(code=e.close_code)
                if e.close_code
                else "Imported without a close code"
            )
            if e.resolved_by:
                notes += "; resolved by {user}".format(user=e.resolved_by)
            notes += "."
        service_id, service_policy_id = self.services[e.service]
        return {
            "number": number,
            "title": title[:200],
            "description": (
                "Imported from the ServiceNow incident event log ({source}); location: {location}."
            ).format(source=self.source, location=e.location or "unknown"),
            "state": e.state,
            "hold_reason": e.hold_reason,
            "created_at": e.opened_at,
            "opened_at": e.opened_at,
            "resolved_at": e.resolved_at,
            "closed_at": e.closed_at,
            "impact": e.impact,
            "urgency": e.urgency,
            "priority": e.priority,
            "priority_override_reason": (
                ""
                if e.priority == OUR_PRIORITY[e.impact, e.urgency]
                else "Priority as recorded by the source system."
            ),
            "category": e.category,
            "subcategory": e.subcategory,
            "service_id": service_id,
            "sla_policy_id": service_policy_id or self.default_policy_id,
            "assignment_group_id": self.groups[e.group].pk if e.group else None,
            "assignee_id": self.users[e.assignee] if e.assignee else None,
            "caller_id": self.users[e.caller or BOT_USERNAME],
            "opened_by_id": self.users[e.opened_by or BOT_USERNAME],
            "reassignment_count": e.reassignment_count,
            "reopen_count": e.reopen_count,
            "made_sla": e.made_sla,
            "resolution_code": ResolutionCode.OTHER.value if done else "",
            "resolution_notes": notes,
            "contact_channel": e.channel,
            "first_contact_resolution": done and e.reassignment_count == 0 and e.reopen_count == 0,
            "version": version,
        }

    def _history(
        self, incident_id: int, events: list[_Event], snapshots: list[dict[str, Any]]
    ) -> Iterator[dict[str, Any]]:
        """One append-only history row per event, dated at the event, never going back."""
        previous: datetime | None = None
        for position, (e, snapshot) in enumerate(zip(events, snapshots, strict=True)):
            when = e.opened_at if position == 0 else e.updated_at
            reason = "Imported event (sys_mod_count {n})".format(n=e.mod_count)
            if previous is not None and when < previous:
                self.result.event_times_clamped += 1
                reason = "{reason}; source time {raw}".format(reason=reason, raw=e.raw_updated_at)
                when = previous
            previous = when
            yield {
                **snapshot,
                "id": incident_id,
                "history_date": when,
                "history_type": "+" if position == 0 else "~",
                "history_user_id": self.users[e.updated_by] if e.updated_by else None,
                "history_change_reason": reason[:100],
            }


class _Table:
    """Bulk inserts of one model's columns, sized for the import's volume.

    bulk_create spends three quarters of a full import compiling each of its ~8 million values
    into SQL. This writes the same columns with one prepared statement (executemany) on
    SQLite and with COPY on PostgreSQL (twice as fast as multi-row INSERTs there). Columns
    missing from a row get the field's default; datetimes are adapted as the ORM would
    (cached: the log repeats them a lot).
    """

    def __init__(self, model: type[models.Model]) -> None:
        fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
        self.defaults = {f.attname: _plain(f.get_default()) for f in fields}
        self.datetimes = {f.attname for f in fields if isinstance(f, models.DateTimeField)}
        self.adapted: dict[datetime, Any] = {}
        qn = connection.ops.quote_name
        # Names from the model's own metadata, quoted; the values are always parameters.
        self.head = "INSERT INTO {table} ({columns}) VALUES ".format(  # noqa: S608
            table=qn(model._meta.db_table), columns=", ".join(qn(f.column) for f in fields)
        )
        self.one = "({marks})".format(marks=", ".join(["%s"] * len(fields)))
        self.copy = "COPY {table} ({columns}) FROM STDIN".format(
            table=qn(model._meta.db_table), columns=", ".join(qn(f.column) for f in fields)
        )

    def _adapt(self, value: datetime | None) -> Any:
        if value is None:
            return None
        try:
            return self.adapted[value]
        except KeyError:
            adapted = connection.ops.adapt_datetimefield_value(value)
            self.adapted[value] = adapted
            return adapted

    def insert(self, rows: list[dict[str, Any]]) -> None:
        if connection.vendor == "postgresql":
            self._copy(rows)
            return
        values = [
            tuple(
                self._adapt(row.get(name, default))
                if name in self.datetimes
                else row.get(name, default)
                for name, default in self.defaults.items()
            )
            for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(self.head + self.one, values)

    def _copy(self, rows: list[dict[str, Any]]) -> None:
        """COPY … FROM STDIN in PostgreSQL's text format (psycopg2, or psycopg 3)."""
        data = "".join(
            "\t".join(
                [_copy_text(row.get(name, default)) for name, default in self.defaults.items()]
            )
            + "\n"
            for row in rows
        )
        with connection.cursor() as cursor:
            raw = cursor.cursor
            if hasattr(raw, "copy_expert"):  # psycopg2
                raw.copy_expert(self.copy, io.StringIO(data))
            else:  # psycopg 3
                with raw.copy(self.copy) as copy:
                    copy.write(data)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class _Truncated(Exception):
    """The compressed stream broke off before its end."""
