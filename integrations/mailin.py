"""Inbound e-mail to incidents: read an IMAP mailbox or a local Maildir, once per message.

Rules (README "Inbound e-mail"):

- A new mail opens an incident: sender → caller (an active user with that address; else a
  requester account is created with an unusable password, so it cannot log in until the
  person sets one; `MAILIN_UNKNOWN_SENDERS=ignore` drops such mail instead; mail from a
  deactivated user's address is dropped), subject → title,
  body → description (text/plain preferred; HTML reduced to text by nh3), attachments kept
  (a refused file becomes a work note instead). The incident is logged by the `mail-in`
  account (no password; may only view and add incidents) on `MAILIN_SERVICE` with channel
  e-mail.
- A mail whose subject names an incident (INC0000123) adds a public comment to it, when the
  sender is its caller or one of its watchers, or support staff replying with the reply token
  the desk put in their notification's subject ("[INC0000123 #0a1b2c3d4e]", an HMAC of the
  number and the recipient's address, see incidents.notifications.reply_token). Anyone
  else's mail, a staff address without a valid token, or a number that does not exist, opens
  a new incident, so nobody can write into another's ticket; a reply to a closed or cancelled
  incident opens a new one that names it (closed is final).
- Residual risk: From is not authenticated here, so whoever forges the address of a ticket's
  caller or watcher (and knows the number) can still add a public comment to that ticket, as
  before; a forged staff address cannot (it lacks the token, which is bound to the staff
  member's own address, so a caller's token does not work for a staff address either).
- Auto-replies (Auto-Submitted other than "no", X-Autoreply, X-Autorespond,
  Precedence bulk/junk/list, an empty Return-Path, mailer-daemon and postmaster senders) and
  loops (mail from our own address, X-Loop naming it) are ignored.
- A message that cannot be processed (a bug, a value the database refuses) is logged, counted
  as failed and kept in the ledger, so it is not retried and never blocks the mailbox. NUL
  characters are removed from subject, body, sender name and file names; a sender address
  longer than 254 characters is ignored; a file name storage cannot use becomes "attachment".
- Every message is claimed by its Message-ID in `core.ProcessedMessage` in the same
  transaction as its effect, so a message fetched twice (two workers, a crash before it was
  flagged) is processed once. After processing it is flagged \\Seen (IMAP) or moved to cur
  with the S flag (Maildir), and moved to `?move_to=<folder>` when the URL names one.

Sender addresses are taken as given (no DKIM/SPF check here; the mail server's job).
"""

import email
import email.policy
import hashlib
import html
import imaplib
import logging
import mailbox
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import nh3
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from catalog.choices import Role
from catalog.models import Service
from core.attachments import attachment_filename
from core.exceptions import DomainError
from core.models import ProcessedMessage, TimelineKind
from core.outbox import processed_message_claim
from incidents.choices import ContactChannel, IncidentState
from incidents.models import Incident
from incidents.notifications import reply_token_valid
from incidents.selectors import is_staff_actor
from incidents.services import incident_attachment_add, incident_comment_add, incident_create

logger = logging.getLogger(__name__)
User = get_user_model()

TASK = "integrations.mailin"
TASK_FAILED = TASK + ":failed"  # the ledger's mark of a message that could not be processed
ROBOT_USERNAME = "mail-in"
NUMBER_IN_SUBJECT = re.compile(r"\b(INC\d{7})\b", re.IGNORECASE)
TOKEN_IN_SUBJECT = re.compile(r"\b(INC\d{7})\s+#([0-9a-f]{8,16})\b", re.IGNORECASE)
MAX_ADDRESS = 254  # RFC 5321's limit for a forward path
REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|sv|vs|aw|antw)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
QUOTE_HEADER = re.compile(
    r"^(on .{0,200} wrote:|den .{0,200} skrev:|-----\s*original message\s*-----|from: .+)$",
    re.IGNORECASE,
)
AUTO_SENDERS = ("mailer-daemon", "postmaster")
MAX_DESCRIPTION = 50_000


class MailinError(Exception):
    """The mailbox cannot be read (bad URL, refused login, unreachable server)."""


# --- one message ------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str  # created, commented, duplicate, ignored, failed
    reason: str = ""
    number: str = ""


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for o in self.outcomes if o.kind == kind)

    def __str__(self) -> str:
        kinds = ("created", "commented", "duplicate", "ignored", "failed")
        return ", ".join("{k}: {n}".format(k=k, n=self.count(k)) for k in kinds)


def message_key(msg: EmailMessage, raw: bytes) -> uuid.UUID:
    """The ledger id of a message: its Message-ID, else a hash of its bytes."""
    message_id = (msg.get("Message-ID") or "").strip()
    basis = message_id or hashlib.sha256(raw).hexdigest()
    return uuid.uuid5(uuid.NAMESPACE_URL, "mailin:" + basis)


def _own_addresses() -> set[str]:
    own = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()}
    own |= {a.strip().lower() for a in getattr(settings, "MAILIN_OWN_ADDRESSES", []) if a.strip()}
    return own - {""}


def ignore_reason(msg: EmailMessage) -> str:
    """Why a message must not become a ticket (auto-reply, bounce, loop), or ""."""
    auto = (msg.get("Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        return "auto-submitted"
    if msg.get("X-Autoreply") or msg.get("X-Autorespond") or msg.get("X-Auto-Reply"):
        return "auto-reply"
    if (msg.get("Precedence") or "").strip().lower() in ("bulk", "junk", "list"):
        return "precedence"
    if (msg.get("Return-Path") or "").strip() == "<>":
        return "bounce"
    sender = parseaddr(str(msg.get("From") or ""))[1].lower()
    if not sender or "@" not in sender:
        return "no-sender"
    if len(sender) > MAX_ADDRESS or "\x00" in sender:
        return "bad-sender"
    if sender.split("@", 1)[0] in AUTO_SENDERS:
        return "mailer-daemon"
    own = _own_addresses()
    if sender in own:
        return "loop"
    if any(a.lower() in own for _n, a in getaddresses(msg.get_all("X-Loop") or [])):
        return "loop"
    return ""


def _html_to_text(markup: str) -> str:
    text = nh3.clean(markup, tags=set(), clean_content_tags={"script", "style", "head", "title"})
    text = html.unescape(text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def message_text(msg: EmailMessage) -> str:
    """The body as plain text: text/plain when there is one, else the HTML reduced to text."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset: decode what we can
        content = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if part.get_content_subtype() == "html":
        # Line breaks first, so paragraphs survive the tag stripping.
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>|</h\d>", "\n", content)
        return _html_to_text(content)
    return content.replace("\r\n", "\n").strip()


def reply_text(text: str) -> str:
    """A reply without the quoted message below it."""
    kept = []
    for line in text.splitlines():
        if QUOTE_HEADER.match(line.strip()):
            break
        if line.startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip() or text.strip()


def _attachments(msg: EmailMessage) -> list[tuple[str, bytes]]:
    files = []
    for part in msg.iter_attachments():
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True)
        if data is None:
            continue
        files.append((attachment_filename(part.get_filename()), data))
    return files


def _robot() -> Any:
    """The account that logs mailed incidents: active, no password, view and add only."""
    robot, created = User.objects.get_or_create(
        username=ROBOT_USERNAME, defaults={"first_name": "E-mail", "last_name": "intake"}
    )
    if created:
        robot.set_unusable_password()
        robot.save(update_fields=["password"])
        robot.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="incidents",
                codename__in=["view_incident", "add_incident"],
            )
        )
        robot = User.objects.get(pk=robot.pk)  # a fresh permission cache
    return robot


def _sender_user(address: str, display: str) -> Any:
    """The active user with this address, or a new requester (unusable password); None for
    a deactivated user's address or, with MAILIN_UNKNOWN_SENDERS=ignore, an unknown one."""
    users = list(User.objects.filter(email__iexact=address).order_by("-is_active", "pk")[:1])
    if users:
        return users[0] if users[0].is_active else None  # a deactivated person stays out
    if getattr(settings, "MAILIN_UNKNOWN_SENDERS", "create") != "create":
        return None
    base = re.sub(r"[^\w.@+-]", "", address.lower())[:140] or "mail-user"
    first, _sep, last = display.strip().partition(" ")
    n = 1
    for _attempt in range(5):
        username = base
        while User.objects.filter(username=username).exists():
            n += 1
            username = "{b}-{n}".format(b=base, n=n)
        user = User(username=username, email=address, first_name=first[:150], last_name=last[:150])
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
            break
        except IntegrityError:
            # A concurrent reader created this sender (or took the user name) first.
            users = list(User.objects.filter(email__iexact=address).order_by("-is_active", "pk"))
            if users:
                return users[0] if users[0].is_active else None
    else:
        raise DomainError("mailin_user_name", _("No free user name for the sender."))
    group = Group.objects.filter(name=Role.REQUESTER).first()
    if group is not None:
        user.groups.add(group)
    return User.objects.get(pk=user.pk)


def _may_comment(user: Any, incident: Incident, subject: str) -> bool:
    """The caller and watchers may reply by mail; staff only with the reply token of their
    own notification (a forged staff address cannot write into any ticket)."""
    if incident.caller_id == user.pk or incident.watchers.filter(pk=user.pk).exists():
        return True
    if not is_staff_actor(user):
        return False
    return any(
        number.upper() == incident.number
        and reply_token_valid(number=incident.number, address=user.email, token=token)
        for number, token in TOKEN_IN_SUBJECT.findall(subject)
    )


def _no_nul(text: str) -> str:
    """Text without NUL characters, which the database refuses."""
    return text.replace("\x00", "")


def _title(subject: str) -> str:
    title = " ".join(REPLY_PREFIX.sub("", subject or "").split())
    return title[:200] or _("(no subject)")


def _attach(incident: Incident, uploader: Any, robot: Any, files: list[tuple[str, bytes]]) -> None:
    for name, data in files:
        try:
            with transaction.atomic():
                incident_attachment_add(
                    actor=uploader, incident=incident.pk, upload=SimpleUploadedFile(name, data)
                )
        except SuspiciousFileOperation:
            _not_kept(robot, incident, name, _("storage refused its name."))
        except DomainError as err:
            _not_kept(robot, incident, name, err.message)


def _not_kept(robot: Any, incident: Incident, name: str, reason: str) -> None:
    incident_comment_add(
        actor=robot,
        incident=incident.pk,
        kind=TimelineKind.WORK_NOTE,
        body=_("The mailed attachment {name} was not kept: {reason}").format(
            name=name, reason=reason
        ),
    )


def mail_process(raw: bytes) -> Outcome:
    """Turn one raw RFC 5322 message into an incident or a comment, exactly once.

    Returns what happened; never raises for a bad message (it is recorded as failed and not
    retried, so one broken mail cannot block the mailbox).
    """
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    try:
        key = str(message_key(msg, raw))
    except Exception:
        key = str(uuid.uuid5(uuid.NAMESPACE_URL, "mailin:" + hashlib.sha256(raw).hexdigest()))
    with transaction.atomic():
        if not processed_message_claim(message_id=key, task=TASK):
            return Outcome("duplicate")
        try:
            reason = ignore_reason(msg)
            if reason:
                return Outcome("ignored", reason)
            with transaction.atomic():
                return _apply(msg)
        except (DomainError, ValidationError) as err:
            logger.warning("mail-in: message %s refused: %s", key, err)
            return Outcome("failed", str(getattr(err, "message", err)))
        except Exception as err:
            # Its effects were rolled back with the inner savepoint; the claim stays, marked
            # failed, so the message is reported once and not retried forever.
            logger.exception(
                "mail-in: message %s could not be processed (%s)", key, type(err).__name__
            )
            ProcessedMessage.objects.filter(pk=key).update(task=TASK_FAILED)
            return Outcome("failed", "error: " + type(err).__name__)


def _apply(msg: EmailMessage) -> Outcome:
    display, address = parseaddr(str(msg.get("From")))
    sender = _sender_user(address, _no_nul(display))
    if sender is None:
        return Outcome("ignored", "unknown-or-inactive-sender")
    subject = _no_nul(str(msg.get("Subject") or ""))
    text = _no_nul(message_text(msg))
    files = _attachments(msg)
    robot = _robot()
    match = NUMBER_IN_SUBJECT.search(subject)
    if match:
        incident = Incident.objects.filter(number=match.group(1).upper()).first()
        if incident is not None and _may_comment(sender, incident, subject):
            if incident.state in (IncidentState.CLOSED, IncidentState.CANCELLED):
                # DOMAIN §3: closed is final; a follow-up is a new incident that says so.
                text = (
                    _("Follow-up to {number} ({state}).").format(
                        number=incident.number, state=incident.get_state_display().lower()
                    )
                    + "\n\n"
                    + reply_text(text)
                )
            else:
                body = reply_text(text) or _("(empty reply)")
                incident_comment_add(
                    actor=sender, incident=incident.pk, body=body[:MAX_DESCRIPTION]
                )
                _attach(incident, sender, robot, files)
                return Outcome("commented", number=incident.number)
    service = Service.objects.filter(name=getattr(settings, "MAILIN_SERVICE", "")).first()
    if service is None:
        raise DomainError(
            "mailin_service_missing",
            _("Set MAILIN_SERVICE to the name of the service mailed incidents are logged on."),
        )
    incident = incident_create(
        actor=robot,
        data={
            "title": _title(subject),
            "description": text[:MAX_DESCRIPTION],
            "service": service,
            "caller": sender,
            "contact_channel": ContactChannel.EMAIL,
        },
    )
    _attach(incident, sender, robot, files)
    return Outcome("created", number=incident.number)


# --- mailboxes --------------------------------------------------------------------------------


class ImapSource:
    """Unseen messages of one IMAP folder; processed ones are flagged \\Seen (or moved)."""

    def __init__(self, url: str, timeout: float = 30) -> None:
        parts = urlsplit(url)
        self.secure = parts.scheme == "imaps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (993 if self.secure else 143)
        self.user = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        self.folder = unquote(parts.path.lstrip("/")) or "INBOX"
        self.move_to = (parse_qs(parts.query).get("move_to") or [""])[0]
        self.timeout = timeout
        self.conn: imaplib.IMAP4 | None = None
        self.capabilities: set[str] = set()

    def __enter__(self) -> "ImapSource":
        try:
            cls = imaplib.IMAP4_SSL if self.secure else imaplib.IMAP4
            self.conn = cls(self.host, self.port, timeout=self.timeout)
            self.conn.login(self.user, self.password)
            status, _data = self.conn.select(self._quote(self.folder))
            if status != "OK":
                raise MailinError("cannot open folder {f}".format(f=self.folder))
            _typ, caps = self.conn.capability()
            self.capabilities = set((caps[0] or b"").decode().upper().split())
            if self.move_to:
                self.conn.create(self._quote(self.move_to))  # NO when it exists: fine
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailinError("IMAP {h}:{p}: {e}".format(h=self.host, p=self.port, e=exc)) from exc
        return self

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
                self.conn.logout()
            except (OSError, imaplib.IMAP4.error):
                pass

    @staticmethod
    def _quote(name: str) -> str:
        return '"{n}"'.format(n=name.replace("\\", "\\\\").replace('"', '\\"'))

    def _open(self) -> imaplib.IMAP4:
        if self.conn is None:
            raise MailinError("the mailbox is not open")
        return self.conn

    def messages(self) -> Iterator[tuple[bytes, bytes]]:
        status, data = self._open().uid("SEARCH", None, "UNSEEN")
        if status != "OK":
            raise MailinError("IMAP search failed")
        for uid in (data[0] or b"").split():
            status, parts = self._open().uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if status == "OK" and raw is not None:
                yield uid, raw

    def done(self, uid: bytes) -> None:
        conn = self._open()
        conn.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        if self.move_to:
            if "MOVE" in self.capabilities:
                conn.uid("MOVE", uid, self._quote(self.move_to))
            else:
                conn.uid("COPY", uid, self._quote(self.move_to))
                conn.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
                conn.expunge()


class MaildirSource:
    """Messages of a local Maildir without the S flag; processed ones move to cur with S."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.box: mailbox.Maildir | None = None

    def __enter__(self) -> "MaildirSource":
        try:
            self.box = mailbox.Maildir(self.path, factory=None, create=False)
            self.box.keys()
        except OSError as exc:
            raise MailinError("Maildir {p}: {e}".format(p=self.path, e=exc)) from exc
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def _open(self) -> mailbox.Maildir:
        if self.box is None:
            raise MailinError("the mailbox is not open")
        return self.box

    def messages(self) -> Iterator[tuple[str, bytes]]:
        box = self._open()
        for key in sorted(box.keys()):
            try:
                message = box.get_message(key)
                raw = box.get_bytes(key)
            except KeyError:
                continue  # taken by a concurrent reader
            if "S" not in message.get_flags():
                yield key, raw

    def done(self, key: str) -> None:
        box = self._open()
        try:
            message = box.get_message(key)
        except KeyError:
            return
        message.set_subdir("cur")
        message.add_flag("S")
        box[key] = message


def mailbox_open(url: str) -> ImapSource | MaildirSource:
    """A mailbox from a URL: imap://user:pass@host:port/INBOX[?move_to=Done], imaps://…,
    or maildir:///absolute/path. Raises: MailinError."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("imap", "imaps"):
        return ImapSource(url)
    if scheme == "maildir":
        return MaildirSource(unquote(urlsplit(url).path))
    raise MailinError("unsupported mailbox URL scheme {s!r}".format(s=scheme))


def mail_fetch(*, url: str, limit: int = 500) -> Summary:
    """Process up to `limit` new messages of a mailbox and flag each one after processing.

    Raises: MailinError when the mailbox cannot be read or MAILIN_SERVICE names no service
    (checked first, so a configuration error never consumes a message).
    """
    if not Service.objects.filter(name=getattr(settings, "MAILIN_SERVICE", "")).exists():
        raise MailinError(
            "MAILIN_SERVICE must name an existing service (mailed incidents are logged on it)"
        )
    summary = Summary()
    with mailbox_open(url) as source:
        try:
            for n, (ref, raw) in enumerate(source.messages()):
                if n >= limit:
                    break
                outcome = mail_process(raw)
                source.done(ref)  # after the commit: a crash in between is a duplicate skip
                summary.outcomes.append(outcome)
        except (OSError, imaplib.IMAP4.error) as exc:  # the server went away mid-run
            raise MailinError("mailbox {u}: {e}".format(u=_redacted(url), e=exc)) from exc
    return summary


def _redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
