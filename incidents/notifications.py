"""Incident e-mails: one per (outbox message, recipient), rendered in the desk's language."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.mail import notification_send
from core.outbox import processed_message_claim
from incidents.models import Incident, IncidentComment

REPLY_SALT = "incidents.notifications.reply"
TOKEN_LENGTH = 10


def reply_token(*, number: str, address: str) -> str:
    """The reply token of an incident's notifications to one address: an HMAC (keyed by
    SECRET_KEY) of the number and the lower-cased address, 10 hex characters. The inbound
    mail reader accepts a staff member's mailed reply only with the token of their address."""
    message = "{n}\n{a}".format(n=number.upper(), a=address.strip().lower())
    return salted_hmac(REPLY_SALT, message, algorithm="sha256").hexdigest()[:TOKEN_LENGTH]


def reply_token_valid(*, number: str, address: str, token: str) -> bool:
    if not address:
        return False
    return constant_time_compare(reply_token(number=number, address=address), token.lower())


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
            # "[INC0000042 #0a1b2c3d4e] …": the token lets the recipient reply by mail.
            tagged = "{n} #{t}".format(
                n=incident.number, t=reply_token(number=incident.number, address=recipient.email)
            )
            subject = _(SUBJECTS[event]).format(number=tagged, title=incident.title)
            body = render_to_string("incidents/email/notification.txt", context)
        # Sent inside the claim's transaction: if sending fails, the claim rolls back and
        # the retry sends it; if the commit fails after sending, a duplicate is possible.
        notification_send(subject=subject, body=body, to=recipient.email)
    return True
