"""TMF621 writes: a trouble ticket created or patched through the incident services, in one
transaction (a refused transition leaves the fields, notes and files unchanged too)."""

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import Service
from core.exceptions import DomainError, PermissionDenied
from core.services import record_lock
from incidents.choices import ContactChannel, HoldReason, IncidentState
from incidents.models import Incident
from incidents.selectors import incident_visible, is_staff_actor
from incidents.services import (
    incident_attachment_add,
    incident_comment_add,
    incident_create,
    incident_transition,
    incident_update,
)
from integrations.tmf621.mapping import TicketInput, tmf_status

S = IncidentState


def _bad(attr: str, message: str, code: str | None = None) -> DomainError:
    return DomainError(code or "invalid_" + attr, message, field=attr, status=400)


def _default_service() -> Any:
    name = getattr(settings, "TMF621_DEFAULT_SERVICE", "")
    return Service.objects.filter(name=name).first() if name else None


@transaction.atomic
def trouble_ticket_create(*, actor: Any, ticket: TicketInput) -> Incident:
    """Open an incident from a TroubleTicket_Create, with its notes and attachments.

    Raises: invalid_<attr> (400), permission_denied, and the incident_create errors.
    """
    data = dict(ticket.fields)
    if data.get("service") is None:
        data["service"] = _default_service()
        if data["service"] is None:
            raise _bad(
                "relatedEntity",
                _("Name the affected service: a relatedEntity with @referredType Service."),
            )
    if ticket.caller is not None and ticket.caller.pk != actor.pk:
        if not is_staff_actor(actor):
            raise PermissionDenied(
                "caller_not_allowed", _("You can only open trouble tickets for yourself.")
            )
        data["caller"] = ticket.caller
    data.setdefault("contact_channel", ContactChannel.API)
    incident = incident_create(actor=actor, data=data)
    _notes_and_files(actor, incident, ticket)
    return incident


@transaction.atomic
def trouble_ticket_update(
    *, actor: Any, number: str, expected_version: int | None, ticket: TicketInput
) -> Incident:
    """Merge-patch an incident: fields, then the status transitions, then new notes and files.

    Raises: not_found, version_conflict, permission_denied, invalid_<attr> (400), the
    transition rules (409) and the incident_update errors.
    """
    incident = record_lock(incident_visible(actor=actor), number, expected_version=expected_version)
    if ticket.caller is not None and ticket.caller.pk != incident.caller_id:
        raise _bad("relatedParty", _("The customer of a trouble ticket cannot be changed."))
    if ticket.fields:
        incident = incident_update(
            actor=actor, incident=incident.pk, expected_version=None, data=ticket.fields
        )
    if ticket.status is not None:
        for name, data in _transitions(incident, ticket.status, ticket.status_reason, actor):
            incident = incident_transition(
                actor=actor, incident=incident.pk, name=name, expected_version=None, data=data
            )
    _notes_and_files(actor, incident, ticket)
    return incident


def _notes_and_files(actor: Any, incident: Incident, ticket: TicketInput) -> None:
    known_notes = {str(pk) for pk in incident.comments.values_list("pk", flat=True)}
    for ident, text in ticket.notes:
        if ident is None or ident not in known_notes:
            incident_comment_add(actor=actor, incident=incident.pk, body=text)
    known_files = {str(pk) for pk in incident.attachments.values_list("pk", flat=True)}
    for ident, name, content in ticket.attachments:
        if ident is not None and ident in known_files:
            continue
        if not content:
            raise _bad("attachment", _("No attachment {ref!r} on this ticket.").format(ref=ident))
        incident_attachment_add(
            actor=actor, incident=incident.pk, upload=SimpleUploadedFile(name, content)
        )


def _hold_reason(status: str, reason: str) -> str:
    if status == "pending":
        return HoldReason.AWAITING_CALLER
    text = reason.lower().replace(" ", "_")
    if "change" in text:
        return HoldReason.AWAITING_CHANGE
    return HoldReason.AWAITING_VENDOR


def _need_reason(reason: str, target: str) -> None:
    if not reason:
        raise _bad(
            "statusChangeReason",
            _("Moving the ticket to {status} needs a statusChangeReason.").format(status=target),
        )


def _transitions(
    incident: Incident, target: str, reason: str, actor: Any
) -> list[tuple[str, dict[str, Any]]]:
    """The life-cycle steps from the incident's state to a TMF status (empty if there)."""
    state = incident.state
    if tmf_status(state, incident.hold_reason) == target:
        return []
    staff = actor.has_perm("incidents.change_incident")
    steps: list[tuple[str, dict[str, Any]]] = []
    if target in ("pending", "held", "resolved", "cancelled") and state == S.ON_HOLD:
        steps.append(("resume", {}))
    if target == "acknowledged" or target == "rejected":
        raise DomainError(
            "status_not_reachable",
            _("A trouble ticket cannot be moved to {status}.").format(status=target),
            field="status",
            status=409,
        )
    if target == "inProgress":
        if state == S.NEW:
            steps.append(("start", {}))
        elif state == S.ON_HOLD:
            steps.append(("resume", {}))
        elif state == S.RESOLVED and not staff:
            _need_reason(reason, target)
            steps.append(("reject", {"comment": reason}))
        else:
            steps.append(("reopen", {}))
    elif target in ("pending", "held"):
        if state == S.NEW:
            steps.append(("start", {}))
        steps.append(("hold", {"hold_reason": _hold_reason(target, reason)}))
    elif target == "resolved":
        _need_reason(reason, target)
        steps.append(("resolve", {"resolution_code": "other", "resolution_notes": reason}))
    elif target == "closed":
        steps.append(("close" if staff else "confirm", {}))
    elif target == "cancelled":
        _need_reason(reason, target)
        steps.append(("cancel", {"cancel_reason": reason}))
    return steps
