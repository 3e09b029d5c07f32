"""Catalog writes: one service function per operation, each validated and audited."""

import csv
import io
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from catalog.choices import CiKind, Criticality, Lifecycle
from catalog.csv_format import COLUMNS, KINDS, REQUIRED, cell_restore, list_parse
from catalog.models import ConfigurationItem, Service, SupportGroup
from core.exceptions import DomainError, PermissionDenied
from core.services import fields_apply, locked_get, version_bump

User = get_user_model()

SERVICE_FIELDS = (
    "name", "description", "owner", "support_group", "criticality", "sla_policy", "lifecycle",
)  # fmt: skip
CI_FIELDS = ("name", "kind", "description", "is_active")
GROUP_FIELDS = ("name", "description", "email", "manager", "is_active")


@transaction.atomic
def service_create(*, actor: Any, data: dict[str, Any]) -> Service:
    """Create a service. Raises ValidationError for bad fields."""
    service = Service(**{k: v for k, v in data.items() if k in SERVICE_FIELDS})
    service._history_user = actor
    service.full_clean()
    service.save()
    return service


@transaction.atomic
def service_update(
    *, actor: Any, service_id: int, expected_version: int | None, data: dict[str, Any]
) -> Service:
    """Change a service's fields. Raises: not_found, version_conflict, ValidationError."""
    service = locked_get(Service.objects.all(), pk=service_id, expected_version=expected_version)
    changed = fields_apply(service, data, SERVICE_FIELDS)
    service.full_clean()
    service._history_user = actor
    version_bump(service, changed)
    return service


@transaction.atomic
def ci_create(*, actor: Any, data: dict[str, Any]) -> ConfigurationItem:
    """Create a configuration item and link it to its services."""
    ci = ConfigurationItem(**{k: v for k, v in data.items() if k in CI_FIELDS})
    ci._history_user = actor
    ci.full_clean()
    ci.save()
    if "services" in data:
        ci.services.set(data["services"])
    return ci


@transaction.atomic
def ci_update(
    *, actor: Any, ci_id: int, expected_version: int | None, data: dict[str, Any]
) -> ConfigurationItem:
    """Change a CI and its services. Raises: not_found, version_conflict, ValidationError."""
    ci = locked_get(ConfigurationItem.objects.all(), pk=ci_id, expected_version=expected_version)
    changed = fields_apply(ci, data, CI_FIELDS)
    ci.full_clean()
    services_changed = "services" in data and {s.pk for s in data["services"]} != set(
        ci.services.values_list("pk", flat=True)
    )
    if services_changed:
        ci.services.set(data["services"])
    ci._history_user = actor
    version_bump(ci, changed, touched=services_changed)
    return ci


@transaction.atomic
def support_group_create(*, actor: Any, data: dict[str, Any]) -> SupportGroup:
    """Create a support group with its members."""
    group = SupportGroup(**{k: v for k, v in data.items() if k in GROUP_FIELDS})
    group._history_user = actor
    group.full_clean()
    group.save()
    if "members" in data:
        group.members.set(data["members"])
    return group


@transaction.atomic
def support_group_update(
    *, actor: Any, group_id: int, expected_version: int | None, data: dict[str, Any]
) -> SupportGroup:
    """Change a group and its members. Raises: not_found, version_conflict, ValidationError."""
    group = locked_get(SupportGroup.objects.all(), pk=group_id, expected_version=expected_version)
    changed = fields_apply(group, data, GROUP_FIELDS)
    group.full_clean()
    members_changed = "members" in data and {u.pk for u in data["members"]} != set(
        group.members.values_list("pk", flat=True)
    )
    if members_changed:
        group.members.set(data["members"])
    group._history_user = actor
    version_bump(group, changed, touched=members_changed)
    return group


# --- CSV import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    """One refused cell or row: the file's line number (the header is line 1)."""

    row: int
    field: str
    message: str


@dataclass
class ImportReport:
    kind: str
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[ImportProblem] = dataclass_field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, row: int, field: str, message: object) -> None:
        self.problems.append(ImportProblem(row, field, str(message)))


class _RowError(Exception):
    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(problems)
        self.problems = problems


_TRUE = {"true", "yes", "1", "y", "ja"}
_FALSE = {"false", "no", "0", "n", "nej"}


class _Refs:
    """Natural keys → rows, loaded once per import."""

    def __init__(self) -> None:
        # Only active people may own a service, manage or join a group.
        self.users = {u.get_username(): u for u in User.objects.filter(is_active=True)}
        self.groups = {g.name: g for g in SupportGroup.objects.all()}
        self.services = {s.name: s for s in Service.objects.all()}
        policy_model = Service._meta.get_field("sla_policy").related_model
        self.policies = {p.name: p for p in policy_model._default_manager.all()}


def _bool(value: str, field: str, errors: list[tuple[str, str]]) -> bool:
    text = value.strip().lower()
    if text == "" or text in _TRUE:
        return True
    if text in _FALSE:
        return False
    errors.append((field, str(_("Use true or false, not {value!r}.").format(value=value))))
    return True


def _one(refs: dict[str, Any], value: str, field: str, errors: list, what: str) -> Any:
    if value not in refs:
        errors.append((field, str(_("No {what} named {value!r}.").format(what=what, value=value))))
        return None
    return refs[value]


def _many(refs: dict[str, Any], value: str, field: str, errors: list, what: str) -> list[Any]:
    names = list_parse(value)
    missing = [n for n in names if n not in refs]
    if missing:
        errors.append(
            (field, str(_("No {what} named {names}.").format(what=what, names=", ".join(missing))))
        )
    return [refs[n] for n in names if n in refs]


def _choice(value: str, field: str, choices: Any, errors: list, default: Any) -> Any:
    text = value.strip()
    if text == "":
        return default
    for choice in choices:
        if text == str(choice.value) or text.lower() == str(choice.label).lower():
            return choice.value
    allowed = ", ".join(str(c.value) for c in choices)
    errors.append(
        (field, str(_("{value!r} is not one of {allowed}.").format(value=value, allowed=allowed)))
    )
    return default


def _row_data(kind: str, row: dict[str, str], refs: _Refs) -> dict[str, Any]:
    """One CSV row as service data (only the columns the file has). Raises: _RowError."""
    errors: list[tuple[str, str]] = [
        (column, str(_("This column needs a value.")))
        for column in REQUIRED[kind]
        if not row.get(column, "").strip()
    ]
    data: dict[str, Any] = {}
    for column, value in row.items():
        if column == "name":
            data["name"] = value.strip()
        elif column in ("description", "email"):
            data[column] = value
        elif column == "manager":
            data["manager"] = (
                _one(refs.users, value.strip(), column, errors, _("user"))
                if value.strip()
                else None
            )
        elif column == "members":
            data["members"] = _many(refs.users, value, column, errors, _("user"))
        elif column == "owner" and value.strip():
            data["owner"] = _one(refs.users, value.strip(), column, errors, _("user"))
        elif column == "support_group" and value.strip():
            data["support_group"] = _one(
                refs.groups, value.strip(), column, errors, _("support group")
            )
        elif column == "sla_policy":
            data["sla_policy"] = (
                _one(refs.policies, value.strip(), column, errors, _("SLA policy"))
                if value.strip()
                else None
            )
        elif column == "criticality":
            data["criticality"] = _choice(value, column, Criticality, errors, Criticality.MEDIUM)
        elif column == "lifecycle":
            data["lifecycle"] = _choice(value, column, Lifecycle, errors, Lifecycle.LIVE)
        elif column == "kind" and value.strip():
            data["kind"] = _choice(value, column, CiKind, errors, CiKind.OTHER)
        elif column == "services":
            data["services"] = _many(refs.services, value, column, errors, _("service"))
        elif column == "is_active":
            data["is_active"] = _bool(value, column, errors)
    if errors:
        raise _RowError(errors)
    return data


_WRITERS: dict[str, tuple[Any, str, Any, Any]] = {
    "groups": (SupportGroup, "group_id", support_group_create, support_group_update),
    "services": (Service, "service_id", service_create, service_update),
    "cis": (ConfigurationItem, "ci_id", ci_create, ci_update),
}


_M2M = {"groups": ("members",), "cis": ("services",)}


def _differs(obj: Any, data: dict[str, Any]) -> bool:
    """Whether applying `data` would change `obj` (m2m prefetched)."""
    for name, value in data.items():
        field = obj._meta.get_field(name)
        if field.many_to_many:
            if {o.pk for o in getattr(obj, name).all()} != {o.pk for o in value}:
                return True
        elif field.is_relation:
            if getattr(obj, field.attname) != (value.pk if value is not None else None):
                return True
        elif getattr(obj, name) != value:
            return True
    return False


def catalog_import_permitted(*, actor: Any, kind: str) -> bool:
    """An import may create and change rows of its kind (the same rights as the forms)."""
    model = _WRITERS[kind][0]
    label = "{app}.{{action}}_{model}".format(
        app=model._meta.app_label, model=model._meta.model_name
    )
    return actor.has_perm(label.format(action="add")) and actor.has_perm(
        label.format(action="change")
    )


def _rows(reader: csv.DictReader, report: ImportReport) -> Any:
    """(spreadsheet row, row) pairs, the header being row 1; a row the csv module cannot
    read (a cell over its field size limit) is reported on its row and ends the reading."""
    line = 1
    while True:
        line += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            report.add(line, "—", _("This row cannot be read: {error}").format(error=err))
            return
        yield line, row


def catalog_import(*, actor: Any, kind: str, text: str, dry_run: bool = False) -> ImportReport:
    """Create or update catalog rows from CSV text, matched by name; all or nothing.

    Every row is checked through the same services as the forms; if any row is refused,
    nothing is written and the report lists each problem (row, field, message). Re-importing
    the same file changes nothing (no new versions or history rows). Raises: permission_denied.
    """
    if kind not in KINDS:
        raise DomainError("unknown_kind", _("Unknown catalog kind."), field="kind")
    if not catalog_import_permitted(actor=actor, kind=kind):
        raise PermissionDenied()
    report = ImportReport(kind=kind, dry_run=dry_run)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as err:  # e.g. a header cell over the csv module's field size limit
        report.add(1, "header", _("The header cannot be read: {error}").format(error=err))
        return report
    header = [h.strip() for h in fieldnames]
    unknown = [h for h in header if h not in COLUMNS[kind]]
    missing = [h for h in REQUIRED[kind] if h not in header]
    if not header or unknown or missing or len(set(header)) != len(header):
        report.add(
            1,
            "header",
            _("The header must name columns from: {allowed} (required: {required}).").format(
                allowed=", ".join(COLUMNS[kind]), required=", ".join(REQUIRED[kind])
            ),
        )
        return report
    reader.fieldnames = header
    model, id_arg, create, update = _WRITERS[kind]
    with transaction.atomic():
        refs = _Refs()
        existing = {o.name: o for o in model._default_manager.prefetch_related(*_M2M.get(kind, ()))}
        seen: dict[str, int] = {}
        for line, row in _rows(reader, report):
            if None in row:
                report.add(line, "—", _("This row has more cells than the header."))
                continue
            nul = [k for k, v in row.items() if "\x00" in (v or "")]
            if nul:  # the database refuses NUL characters in text
                for column in nul:
                    report.add(line, column, _("This cell contains a NUL character."))
                continue
            cells = {k: cell_restore(v or "") for k, v in row.items()}
            if not any(v.strip() for v in cells.values()):
                continue  # a blank line
            name = cells["name"].strip()
            if name in seen:
                report.add(
                    line,
                    "name",
                    _("{name!r} is already on row {row}.").format(name=name, row=seen[name]),
                )
                continue
            seen[name] = line
            try:
                data = _row_data(kind, cells, refs)
                obj = existing.get(name)
                if obj is not None and not _differs(obj, data):
                    report.unchanged += 1  # the common re-import case: no lock, no write
                    continue
                with transaction.atomic():
                    if obj is None:
                        create(actor=actor, data=data)
                        report.created += 1
                    else:
                        after = update(
                            actor=actor, **{id_arg: obj.pk}, expected_version=None, data=data
                        )
                        if after.version != obj.version:
                            report.updated += 1
                        else:
                            report.unchanged += 1
            except _RowError as err:
                for field, message in err.problems:
                    report.add(line, field, message)
            except ValidationError as err:
                detail = err.message_dict if hasattr(err, "error_dict") else {"—": err.messages}
                for field, messages in detail.items():
                    for message in messages:
                        report.add(line, "—" if field == NON_FIELD_ERRORS else field, message)
            except DomainError as err:
                report.add(line, err.field or "—", err.message)
        if dry_run or report.problems:
            transaction.set_rollback(True)
    return report
