"""Read the inbound mailbox once: new mails become incidents, replies become comments."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.mailin import MailinError, mail_fetch


class Command(BaseCommand):
    help = (
        "Fetch new mail from MAILIN_URL (or --url): imap://user:pass@host:port/INBOX"
        "[?move_to=Folder], imaps://…, or maildir:///path. Each message is processed once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default=None, help="Mailbox URL (default: MAILIN_URL).")
        parser.add_argument("--limit", type=int, default=500, help="At most this many messages.")

    def handle(self, *args, url=None, limit=500, **options):
        url = url or settings.MAILIN_URL
        if not url:
            raise CommandError("No mailbox: set MAILIN_URL or pass --url.")
        try:
            summary = mail_fetch(url=url, limit=limit)
        except MailinError as exc:
            raise CommandError(str(exc)) from exc
        for outcome in summary.outcomes:
            if outcome.kind in ("ignored", "failed"):
                self.stdout.write("{k}: {r}".format(k=outcome.kind, r=outcome.reason))
        self.stdout.write(str(summary))
