"""Mail the desk sends on its own: marked as automatic so mail systems and the desk's own
inbound mail reader (integrations.mailin) never answer it and no loop starts."""

from django.conf import settings
from django.core.mail import EmailMessage

AUTOMATIC_HEADERS = {
    "Auto-Submitted": "auto-generated",  # RFC 3834: auto-responders must not reply
    "X-Auto-Response-Suppress": "All",  # the same for Exchange
    "Precedence": "bulk",
}


def notification_send(*, subject: str, body: str, to: str) -> None:
    """One plain-text notification to one recipient (a subject is one line)."""
    EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=AUTOMATIC_HEADERS,
    ).send()
