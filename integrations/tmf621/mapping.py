"""TMF621 ↔ incident mapping: the value tables, input parsing and the representation."""

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _

from catalog.models import ConfigurationItem, Service, SupportGroup
from core.attachments import attachment_filename
from core.exceptions import DomainError, PermissionDenied
from incidents.choices import ContactChannel, HoldReason, IncidentState
from incidents.models import Incident
from incidents.selectors import incident_visible, is_staff_actor

User = get_user_model()

# --- value tables -----------------------------------------------------------------------------

SEVERITY_OUT = {1: "Critical", 2: "Major", 3: "Minor"}
SEVERITY_IN = {"critical": 1, "major": 2, "minor": 3, "high": 1, "medium": 2, "low": 3}
PRIORITY_OUT = {1: "Critical", 2: "High", 3: "Medium", 4: "Low", 5: "Planning"}
PRIORITY_TO_URGENCY = {"critical": 1, "high": 1, "medium": 2, "low": 3, "planning": 3}
TMF_STATUSES = (
    "acknowledged", "rejected", "pending", "held", "inProgress", "cancelled", "closed", "resolved",
)  # fmt: skip
CALLER_ROLES = {"customer", "caller", "originator", "reporter"}
DEFAULT_TICKET_TYPE = "incident"


def tmf_status(state: str, hold_reason: str) -> str:
    """The TMF status of an incident state (pending = waiting for the customer)."""
    if state == IncidentState.ON_HOLD:
        return "pending" if hold_reason == HoldReason.AWAITING_CALLER else "held"
    return {
        IncidentState.NEW: "acknowledged",
        IncidentState.IN_PROGRESS: "inProgress",
        IncidentState.RESOLVED: "resolved",
        IncidentState.CLOSED: "closed",
        IncidentState.CANCELLED: "cancelled",
    }.get(state, "acknowledged")


def status_filter(values: Iterable[str]) -> Q:
    """The incidents whose TMF status is one of `values`. Raises: invalid_status."""
    query = Q(pk__in=[])
    for value in (v.strip() for v in values):
        if not value:
            continue
        if value not in TMF_STATUSES:
            raise _bad("status", _("Unknown status {value!r}.").format(value=value))
        if value == "pending":
            query |= Q(state=IncidentState.ON_HOLD, hold_reason=HoldReason.AWAITING_CALLER)
        elif value == "held":
            query |= Q(state=IncidentState.ON_HOLD) & ~Q(hold_reason=HoldReason.AWAITING_CALLER)
        else:
            state = {
                "acknowledged": IncidentState.NEW,
                "inProgress": IncidentState.IN_PROGRESS,
                "resolved": IncidentState.RESOLVED,
                "closed": IncidentState.CLOSED,
                "cancelled": IncidentState.CANCELLED,
            }.get(value)
            if state is not None:
                query |= Q(state=state)
    return query


def _bad(attr: str, message: str) -> DomainError:
    return DomainError("invalid_" + attr.replace("@", "").replace(".", "_"), message, field=attr)


def iso(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with a Z."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- input ------------------------------------------------------------------------------------


@dataclass
class TicketInput:
    """A TMF621 body read into incident terms; only the attributes the client sent."""

    fields: dict[str, Any] = field(default_factory=dict)
    status: str | None = None
    status_reason: str = ""
    notes: list[tuple[str | None, str]] = field(default_factory=list)
    attachments: list[tuple[str | None, str, bytes]] = field(default_factory=list)
    caller: Any = None


def _string(body: dict[str, Any], name: str, *, max_length: int | None = None) -> str | None:
    if name not in body:
        return None
    value = body[name]
    if not isinstance(value, str):
        raise _bad(name, _("{name} must be a string.").format(name=name))
    _no_nul(value, name)
    if max_length is not None and len(value) > max_length:
        raise _bad(name, _("{name} is longer than {n} characters.").format(name=name, n=max_length))
    return value


def _objects(body: dict[str, Any], name: str) -> list[dict[str, Any]] | None:
    if name not in body:
        return None
    value = body[name]
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _bad(name, _("{name} must be an array of objects.").format(name=name))
    return value


def _item_string(item: dict[str, Any], key: str, attr: str, *, required: bool = False) -> str:
    value = item.get(key)
    if value is None:
        if required:
            raise _bad(attr, _("{attr}.{key} is required.").format(attr=attr, key=key))
        return ""
    if not isinstance(value, str):
        raise _bad(attr, _("{attr}.{key} must be a string.").format(attr=attr, key=key))
    _no_nul(value, "{attr}.{key}".format(attr=attr, key=key), attr)
    return value


def _no_nul(value: str, name: str, attr: str | None = None) -> None:
    """The database refuses NUL characters in text: a 400 naming the attribute."""
    if "\x00" in value:
        raise _bad(attr or name, _("{name} contains a NUL character.").format(name=name))


def _pk(ref: str) -> int | None:
    """A primary key written in ASCII digits ("²" is a digit to str.isdigit), else None."""
    if ref.isascii() and ref.isdigit() and len(ref) <= 18:
        return int(ref)
    return None


def _by_name_or_pk(ref: str) -> Q:
    pk = _pk(ref)
    return Q(name=ref) | (Q(pk=pk) if pk is not None else Q(pk__in=[]))


def _user(ref: str, attr: str) -> Any:
    user = User.objects.filter(username=ref, is_active=True).first()
    if user is None and "@" in ref:
        user = User.objects.filter(email__iexact=ref, is_active=True).order_by("pk").first()
    if user is None:
        raise _bad(attr, _("No active user {ref!r}.").format(ref=ref))
    return user


def _service(ref: str) -> Service:
    lookup = _by_name_or_pk(ref)
    service = Service.objects.filter(lookup).first()
    if service is None:
        raise _bad("relatedEntity", _("No service {ref!r}.").format(ref=ref))
    return service


def _ci(ref: str) -> ConfigurationItem:
    lookup = _by_name_or_pk(ref)
    ci = ConfigurationItem.objects.filter(lookup).first()
    if ci is None:
        raise _bad("relatedEntity", _("No configuration item {ref!r}.").format(ref=ref))
    return ci


def _group(ref: str) -> SupportGroup:
    lookup = _by_name_or_pk(ref)
    group = SupportGroup.objects.filter(lookup).first()
    if group is None:
        raise _bad("relatedParty", _("No support group {ref!r}.").format(ref=ref))
    return group


def ticket_parse(body: Any, *, creating: bool, actor: Any) -> TicketInput:
    """Read a TroubleTicket_Create or TroubleTicket_Update body of `actor`.

    Raises: invalid_<attr> (400), parent_not_allowed (403: a requester may not link tickets).
    """
    if not isinstance(body, dict):
        raise _bad("body", _("The body must be a JSON object."))
    out = TicketInput()
    f = out.fields
    description = _string(body, "description")
    if creating and not (description or "").strip():
        raise _bad("description", _("description is required."))
    if description is not None:
        f["description"] = description
    name = _string(body, "name")
    if name is not None:
        if not name.strip():
            raise _bad("name", _("name may not be empty."))
        f["title"] = name[:200]
    elif creating:
        first_line = next((line for line in description.splitlines() if line.strip()), "")
        f["title"] = first_line.strip()[:200]
    severity = _string(body, "severity")
    if creating and severity is None:
        raise _bad("severity", _("severity is required."))
    if severity is not None:
        if severity.strip().lower() not in SEVERITY_IN:
            raise _bad(
                "severity",
                _("Unknown severity {value!r}; use Critical, Major or Minor.").format(
                    value=severity
                ),
            )
        f["impact"] = SEVERITY_IN[severity.strip().lower()]
    priority = _string(body, "priority")
    if priority is not None:
        if priority.strip().lower() not in PRIORITY_TO_URGENCY:
            raise _bad(
                "priority",
                _("Unknown priority {value!r}; use Critical, High, Medium or Low.").format(
                    value=priority
                ),
            )
        f["urgency"] = PRIORITY_TO_URGENCY[priority.strip().lower()]
    ticket_type = _string(body, "ticketType", max_length=100)
    if creating and ticket_type is None:
        raise _bad("ticketType", _("ticketType is required."))
    if ticket_type is not None:
        ticket_type = ticket_type.strip()
        f["category"] = "" if ticket_type.lower() == DEFAULT_TICKET_TYPE else ticket_type
    if "channel" in body:
        channel = body["channel"]
        if not isinstance(channel, dict):
            raise _bad("channel", _("channel must be an object."))
        ref = (
            _item_string(channel, "id", "channel") or _item_string(channel, "name", "channel")
        ).lower()
        f["contact_channel"] = ref if ref in ContactChannel.values else ContactChannel.API
    status = _string(body, "status")
    if status is not None:
        if status not in TMF_STATUSES:
            raise _bad("status", _("Unknown status {value!r}.").format(value=status))
        if creating and status != "acknowledged":
            raise _bad("status", _("A new trouble ticket starts as acknowledged."))
        out.status = status
    out.status_reason = (_string(body, "statusChangeReason") or "").strip()
    _parse_parties(body, out)
    _parse_entities(body, out)
    _parse_relationships(body, out, actor)
    for item in _objects(body, "note") or []:
        text = _item_string(item, "text", "note", required=True)
        if not text.strip():
            raise _bad("note", _("A note needs text."))
        out.notes.append((_item_string(item, "id", "note") or None, text))
    for item in _objects(body, "attachment") or []:
        out.attachments.append(_parse_attachment(item))
    return out


def _parse_parties(body: dict[str, Any], out: TicketInput) -> None:
    parties = _objects(body, "relatedParty")
    if parties is None:
        return
    for party in parties:
        ref = _item_string(party, "id", "relatedParty", required=True)
        role = _item_string(party, "role", "relatedParty").strip().lower()
        if role in CALLER_ROLES or (not role and len(parties) == 1):
            out.caller = _user(ref, "relatedParty")
        elif role == "assignee":
            out.fields["assignee"] = _user(ref, "relatedParty")
        elif role in ("assignmentgroup", "group"):
            out.fields["assignment_group"] = _group(ref)
        else:
            raise _bad(
                "relatedParty",
                _("Unknown relatedParty role {role!r}; use customer, assignee or "
                  "assignmentGroup.").format(role=role),
            )  # fmt: skip


def _parse_entities(body: dict[str, Any], out: TicketInput) -> None:
    entities = _objects(body, "relatedEntity")
    if entities is None:
        return
    cis = []
    for entity in entities:
        ref = _item_string(entity, "id", "relatedEntity", required=True)
        kind = _item_string(entity, "@referredType", "relatedEntity").strip().lower()
        if kind == "service":
            out.fields["service"] = _service(ref)
        elif kind in ("configurationitem", "resource", "ci"):
            cis.append(_ci(ref))
        else:
            raise _bad(
                "relatedEntity",
                _("Unknown relatedEntity @referredType {kind!r}; use Service or "
                  "ConfigurationItem.").format(kind=kind),
            )  # fmt: skip
    out.fields["cis"] = cis


def _parse_relationships(body: dict[str, Any], out: TicketInput, actor: Any) -> None:
    relationships = _objects(body, "troubleTicketRelationship")
    if relationships is None:
        return
    if relationships and not is_staff_actor(actor):
        # As in the portal, only staff link incidents; refused, never silently dropped.
        raise PermissionDenied(
            "parent_not_allowed",
            _("Only support staff can set troubleTicketRelationship."),
            field="troubleTicketRelationship",
        )
    parent = None
    for item in relationships:
        kind = _item_string(item, "relationshipType", "troubleTicketRelationship")
        ref = _item_string(item, "id", "troubleTicketRelationship", required=True)
        if kind.strip().lower() not in ("ischild", "childof", "parent"):
            raise _bad(
                "troubleTicketRelationship",
                _("Only relationshipType isChild (the parent ticket) is supported."),
            )
        parent = incident_visible(actor=actor).filter(number=ref).first()
        if parent is None:
            raise _bad("troubleTicketRelationship", _("No trouble ticket {ref!r}.").format(ref=ref))
    out.fields["parent"] = parent


def _parse_attachment(item: dict[str, Any]) -> tuple[str | None, str, bytes]:
    ident = _item_string(item, "id", "attachment") or None
    content = _item_string(item, "content", "attachment")
    name = attachment_filename(_item_string(item, "name", "attachment"))
    if not content:
        if ident:
            return ident, name, b""  # a reference to one we hold already
        raise _bad(
            "attachment",
            _("Send attachments by value (base64 content); references are not supported."),
        )
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise _bad("attachment", _("attachment.content is not valid base64.")) from None
    return ident, name, data


# --- output -----------------------------------------------------------------------------------


def _party(user: Any, role: str, href: str | None = None) -> dict[str, Any]:
    party = {
        "id": user.get_username(),
        "name": user.get_full_name() or user.get_username(),
        "role": role,
        "@referredType": "Individual",
    }
    if href:
        party["href"] = href
    return party


def status_changes(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """StatusChange entries from audit rows (oldest first): one per change of TMF status."""
    changes: list[dict[str, Any]] = []
    previous = None
    for row in history:
        status = tmf_status(row["state"], row["hold_reason"])
        if status == previous:
            continue
        reason = ""
        if previous is None:
            reason = "created"
        elif status in ("pending", "held"):
            reason = str(HoldReason(row["hold_reason"]).label) if row["hold_reason"] else ""
        elif status == "resolved":
            reason = row["resolution_notes"]
        elif status == "cancelled":
            reason = row["cancel_reason"]
        elif previous in ("resolved", "closed") and status == "inProgress":
            reason = "reopened"
        entry = {"changeDate": iso(row["history_date"]), "status": status, "@type": "StatusChange"}
        if reason:
            entry["changeReason"] = reason
        changes.append(entry)
        previous = status
    return changes


def ticket_representation(
    incident: Incident,
    *,
    href: str,
    base_href: str,
    history: list[dict[str, Any]],
    attachment_url: Any,
) -> dict[str, Any]:
    """The TroubleTicket resource of one incident (related rows prefetched by the caller)."""
    parties = [_party(incident.caller, "customer")]
    if incident.assignee_id:
        parties.append(_party(incident.assignee, "assignee"))
    if incident.assignment_group_id:
        parties.append(
            {
                "id": str(incident.assignment_group_id),
                "name": incident.assignment_group.name,
                "role": "assignmentGroup",
                "@referredType": "Organization",
            }
        )
    entities = [
        {
            "id": str(incident.service_id),
            "name": incident.service.name,
            "role": "affectedService",
            "@referredType": "Service",
        }
    ]
    entities += [
        {
            "id": str(ci.pk),
            "name": ci.name,
            "role": "affectedResource",
            "@referredType": "ConfigurationItem",
        }
        for ci in incident.cis.all()
    ]
    changes = status_changes(history)
    ticket: dict[str, Any] = {
        "id": incident.number,
        "href": href,
        "name": incident.title,
        "description": incident.description,
        "ticketType": incident.category or DEFAULT_TICKET_TYPE,
        "severity": SEVERITY_OUT[incident.impact],
        "priority": PRIORITY_OUT[incident.priority],
        "status": tmf_status(incident.state, incident.hold_reason),
        "creationDate": iso(incident.opened_at),
        "lastUpdate": iso(incident.updated_at),
        "channel": {
            "id": incident.contact_channel,
            "name": str(incident.get_contact_channel_display()),
            "@type": "ChannelRef",
        },
        "relatedParty": parties,
        "relatedEntity": entities,
        "note": [
            {
                "id": str(comment.pk),
                "author": comment.author.get_full_name() or comment.author.get_username(),
                "date": iso(comment.created_at),
                "text": comment.body,
                "@type": "Note",
            }
            for comment in incident.tmf_notes  # type: ignore[attr-defined]
        ],
        "attachment": [
            {
                "id": str(a.pk),
                "name": a.original_name,
                "mimeType": a.content_type,
                "size": {"amount": a.size, "units": "bytes"},
                "url": attachment_url(incident, a),
                "@referredType": "Attachment",
            }
            for a in incident.attachments.all()
        ],
        "statusChange": changes,
        "troubleTicketRelationship": [],
        "@type": "TroubleTicket",
        "@baseType": "TroubleTicket",
    }
    if changes:
        ticket["statusChangeDate"] = changes[-1]["changeDate"]
        if "changeReason" in changes[-1]:
            ticket["statusChangeReason"] = changes[-1]["changeReason"]
    if incident.resolution_due_at and incident.state not in (
        IncidentState.CLOSED,
        IncidentState.CANCELLED,
    ):
        ticket["expectedResolutionDate"] = iso(incident.resolution_due_at)
    if incident.resolved_at:
        ticket["resolutionDate"] = iso(incident.resolved_at)
    if incident.parent_id:
        ticket["troubleTicketRelationship"].append(
            {
                "id": incident.parent.number,
                "href": base_href + incident.parent.number,
                "name": incident.parent.title,
                "relationshipType": "isChild",
                "@type": "TroubleTicketRelationship",
            }
        )
    return ticket


def fields_select(ticket: dict[str, Any], fields: set[str] | None) -> dict[str, Any]:
    """TMF630 attribute selection: the named attributes, always with id and href."""
    if not fields:
        return ticket
    keep = fields | {"id", "href"}
    return {k: v for k, v in ticket.items() if k in keep}
