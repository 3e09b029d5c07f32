"""Incident e-mails: one per (outbox message, recipient), rendered in the desk's language."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.mail import notification_send
from core.outbox import processed_message_claim
from incidents.models import Incident, IncidentComment

SUBJECTS = {
    "created": gettext_noop("[{number}] Your incident was logged: {title}"),
    "assigned": gettext_noop("[{number}] Assigned to you: {title}"),
    "assigned_group": gettext_noop("[{number}] New in your group's queue: {title}"),
    "commented": gettext_noop("[{number}] New comment: {title}"),
    "caller_commented": gettext_noop("[{number}] The caller commented: {title}"),
    "resolved": gettext_noop("[{number}] Resolved: {title}"),
    "reopened": gettext_noop("[{number}] Reopened by the caller: {title}"),
    "sla_warning": gettext_noop("[{number}] SLA warning (75 %): {title}"),
    "sla_breach": gettext_noop("[{number}] SLA breached: {title}"),
    "response_breach": gettext_noop("[{number}] No response within the SLA: {title}"),
}


def incident_notification_send(
    *,
    incident_id: int,
    event: str,
    recipient_id: int,
    outbox_id: str | None,
    comment_id: int | None = None,
) -> bool:
    """Send one notification e-mail. Returns False for a duplicate or a vanished record."""
    if event not in SUBJECTS:
        return False
    with transaction.atomic():
        if not processed_message_claim(message_id=outbox_id, task=event):
            return False
        incident = (
            Incident.objects.select_related("service", "assignee").filter(pk=incident_id).first()
        )
        recipient = get_user_model().objects.filter(pk=recipient_id, is_active=True).first()
        if incident is None or recipient is None or not recipient.email:
            return False
        comment = (
            IncidentComment.objects.filter(pk=comment_id, incident=incident, kind="comment").first()
            if comment_id
            else None
        )
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "incident": incident,
                "recipient": recipient,
                "event": event,
                "comment": comment,
                "url": settings.SITE_URL.rstrip("/") + incident.get_absolute_url(),
            }
            subject = _(SUBJECTS[event]).format(number=incident.number, title=incident.title)
            body = render_to_string("incidents/email/notification.txt", context)
        # Sent inside the claim's transaction: if sending fails, the claim rolls back and
        # the retry sends it; if the commit fails after sending, a duplicate is possible.
        notification_send(subject=subject, body=body, to=recipient.email)
    return True
