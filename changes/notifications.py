"""Change e-mails (approval requested, rejected): one per outbox message and recipient."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from changes.models import Change
from core.mail import notification_send
from core.outbox import processed_message_claim

SUBJECTS = {
    "approval_requested": gettext_noop("[{number}] Your approval is requested: {title}"),
    "rejected": gettext_noop("[{number}] Rejected by the CAB: {title}"),
}
BODIES = {
    "approval_requested": gettext_noop("Please approve or reject this change:"),
    "rejected": gettext_noop("The change was rejected and is back in draft:"),
}


def change_notification_send(
    *, change_id: int, event: str, recipient_id: int, outbox_id: str | None
) -> bool:
    """Send one change e-mail. Returns False for a duplicate or a vanished record."""
    if event not in SUBJECTS:
        return False
    with transaction.atomic():
        if not processed_message_claim(message_id=outbox_id, task="change." + event):
            return False
        change = Change.objects.select_related("service").filter(pk=change_id).first()
        recipient = get_user_model().objects.filter(pk=recipient_id, is_active=True).first()
        if change is None or recipient is None or not recipient.email:
            return False
        with translation.override(settings.LANGUAGE_CODE):
            subject = _(SUBJECTS[event]).format(number=change.number, title=change.title)
            window = "{a} – {b}".format(a=change.planned_start, b=change.planned_end)
            body = "\n".join(
                [
                    _(BODIES[event]),
                    "",
                    "{n} {t}".format(n=change.number, t=change.title),
                    "{s} · {w}".format(s=change.service.name, w=window),
                    settings.SITE_URL.rstrip("/") + change.get_absolute_url(),
                ]
            )
        notification_send(subject=subject, body=body, to=recipient.email)
    return True
