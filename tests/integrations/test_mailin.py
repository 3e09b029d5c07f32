"""Inbound e-mail through a real IMAP server (Debian's dovecot on loopback) and a Maildir."""

import imaplib
import mailbox
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from email.message import EmailMessage
from email.utils import make_msgid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalog.choices import Role
from incidents.models import Incident
from incidents.notifications import reply_token
from integrations.mailin import _redacted, mail_fetch
from integrations.tasks import fetch_mail
from tests.conftest import make_user, run_task
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(root: Path, port: int) -> str:
    if os.geteuid() == 0:  # dovecot refuses to run its processes as root
        internal, login, uid = "dovecot", "dovenull", "dovecot"
        gid = "dovecot"
    else:
        me = pwd.getpwuid(os.geteuid()).pw_name
        internal = login = uid = me
        gid = str(os.getegid())
    return "\n".join(
        [
            "protocols = imap",
            "listen = 127.0.0.1",
            "base_dir = {r}/run".format(r=root),
            "state_dir = {r}/state".format(r=root),
            "log_path = {r}/dovecot.log".format(r=root),
            "ssl = no",
            "disable_plaintext_auth = no",
            "auth_mechanisms = plain login",
            "default_internal_user = " + internal,
            "default_login_user = " + login,
            "first_valid_uid = 0",
            "passdb {",
            "  driver = passwd-file",
            "  args = scheme=PLAIN username_format=%u {r}/passwd".format(r=root),
            "}",
            "userdb {",
            "  driver = static",
            "  args = uid={u} gid={g} home={r}/home/%u".format(u=uid, g=gid, r=root),
            "}",
            "mail_location = maildir:{r}/mail/%u".format(r=root),
            "service imap-login {",
            "  chroot =",
            "  inet_listener imap {",
            "    address = 127.0.0.1",
            "    port = {p}".format(p=port),
            "  }",
            "  inet_listener imaps {",
            "    port = 0",
            "  }",
            "}",
            "service anvil {",
            "  chroot =",
            "}",
            "",
        ]
    )


@pytest.fixture(scope="module")
def imap_server():
    """A dovecot IMAP server on a free loopback port; yields its URL parts."""
    if not os.path.exists(DOVECOT):
        pytest.fail(
            "dovecot is not installed: run `make mailserver` (apt-get install dovecot-imapd)"
        )
    root = Path(tempfile.mkdtemp(prefix="desk-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    (root / "passwd").write_text("desk:{PLAIN}s3cret\n")
    if os.geteuid() == 0:
        for sub in ("mail", "home"):
            shutil.chown(root / sub, "dovecot", "dovecot")
    port = _free_port()
    (root / "dovecot.conf").write_text(_config(root, port))
    process = subprocess.Popen(  # noqa: S603 - a fixed binary and our own config
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                process.kill()
                pytest.fail(
                    "dovecot did not start: {o} {log}".format(o=process.stdout.read(), log=log)
                )
            time.sleep(0.1)
    yield {"host": "127.0.0.1", "port": port, "user": "desk", "password": "s3cret", "root": root}
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap(imap_server):
    """A logged-in client on an emptied INBOX, and the desk's URL for it."""
    conn = imaplib.IMAP4(imap_server["host"], imap_server["port"])
    conn.login(imap_server["user"], imap_server["password"])
    for folder in ("INBOX", "Processed"):
        status, count = conn.select(folder)
        if status == "OK" and int(count[0]) > 0:
            conn.store("1:*", "+FLAGS", "(\\Deleted)")
            conn.expunge()
    conn.select("INBOX")
    conn.url = "imap://desk:s3cret@127.0.0.1:{p}/INBOX".format(p=imap_server["port"])
    yield conn
    conn.logout()


@pytest.fixture
def desk(settings, db):
    service = ServiceFactory(name="Workplace devices")
    settings.MAILIN_SERVICE = service.name
    settings.DEFAULT_FROM_EMAIL = "Service desk <desk@example.com>"
    return {
        "service": service,
        "caller": make_user("anna", Role.REQUESTER, email="anna@example.com"),
        "agent": make_user("erik", Role.AGENT, email="erik@example.com"),
        "stranger": make_user("mallory", Role.REQUESTER, email="mallory@example.com"),
    }


def mail(
    sender="Anna Berg <anna@example.com>",
    subject="Printer on floor 3 jams",
    body="It jams on every page.\n",
    **headers,
):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "desk@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = headers.pop("message_id", None) or make_msgid(domain="example.com")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def deliver(conn, *messages):
    for msg in messages:
        status, _data = conn.append("INBOX", None, None, msg.as_bytes())
        assert status == "OK"


def unseen(conn, folder="INBOX"):
    conn.select(folder)
    return conn.uid("SEARCH", None, "UNSEEN")[1][0].split()


def fetch(url):
    out = StringIO()
    call_command("fetch_mail", url=url, stdout=out)
    return out.getvalue()


def test_a_new_mail_opens_an_incident_with_its_attachment(imap, desk):
    msg = mail()
    msg.add_attachment(PNG, maintype="image", subtype="png", filename="jam.png")
    deliver(imap, msg)
    output = fetch(imap.url)
    assert "created: 1" in output
    incident = Incident.objects.get()
    assert incident.caller == desk["caller"]
    assert incident.title == "Printer on floor 3 jams"
    assert incident.description == "It jams on every page."
    assert incident.contact_channel == "email"
    assert incident.service == desk["service"]
    attachment = incident.attachments.get()
    assert (attachment.original_name, attachment.content_type) == ("jam.png", "image/png")
    assert attachment.uploaded_by == desk["caller"]
    assert unseen(imap) == []  # flagged \Seen on the server


def test_an_unknown_sender_becomes_a_requester_who_cannot_log_in(imap, desk):
    deliver(imap, mail(sender="Per Persson <per@example.org>"))
    fetch(imap.url)
    incident = Incident.objects.get()
    assert incident.caller.email == "per@example.org"
    assert (incident.caller.first_name, incident.caller.last_name) == ("Per", "Persson")
    assert not incident.caller.has_usable_password()
    assert incident.caller.groups.filter(name=Role.REQUESTER).exists()


def test_unknown_senders_can_be_ignored(imap, desk, settings):
    settings.MAILIN_UNKNOWN_SENDERS = "ignore"
    deliver(imap, mail(sender="per@example.org"))
    assert "ignored: 1" in fetch(imap.url)
    assert not Incident.objects.exists()


def test_html_mail_is_reduced_to_text(imap, desk):
    msg = EmailMessage()
    msg["From"] = "anna@example.com"
    msg["Subject"] = "=?utf-8?q?Sk=C3=A4rmen_=C3=A4r_svart?="
    msg["Message-ID"] = make_msgid()
    msg.set_content(
        "<html><head><style>p{color:red}</style></head><body><p>Screen is <b>black</b></p>"
        "<script>alert('x')</script><p>since 08:00 &amp; blinking</p></body></html>",
        subtype="html",
    )
    deliver(imap, msg)
    fetch(imap.url)
    incident = Incident.objects.get()
    assert incident.title == "Skärmen är svart"
    assert incident.description == "Screen is black\nsince 08:00 & blinking"


def test_replies_become_public_comments_only_from_people_on_the_ticket(imap, desk):
    deliver(imap, mail())
    fetch(imap.url)
    incident = Incident.objects.get()
    reply = mail(
        subject="RE: [{n}] Printer on floor 3 jams".format(n=incident.number),
        body="It works after the restart.\n\nOn Mon, Anna wrote:\n> It jams on every page.\n",
    )
    token = reply_token(number=incident.number, address="erik@example.com")
    from_agent = mail(
        sender="erik@example.com",
        subject="Re: [{n} #{t}] Printer".format(n=incident.number, t=token),
        body="Toner replaced.",
    )
    from_stranger = mail(
        sender="mallory@example.com", subject="Re: " + incident.number, body="Close it now"
    )
    deliver(imap, reply, from_agent, from_stranger)
    output = fetch(imap.url)
    assert "commented: 2" in output
    assert "created: 1" in output
    comments = list(
        incident.comments.order_by("pk").values_list("author__username", "kind", "body")
    )
    assert comments == [
        ("anna", "comment", "It works after the restart."),
        ("erik", "comment", "Toner replaced."),
    ]
    other = Incident.objects.exclude(pk=incident.pk).get()
    assert other.caller == desk["stranger"]
    assert other.description == "Close it now"


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"X_Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"Precedence": "list"},
        {"sender": "MAILER-DAEMON@example.com"},
        {"sender": "Service desk <desk@example.com>"},  # our own notification: a loop
        {"X_Loop": "desk@example.com"},
    ],
)
def test_auto_replies_and_loops_are_ignored(imap, desk, headers):
    deliver(imap, mail(**headers))
    assert "ignored: 1" in fetch(imap.url)
    assert not Incident.objects.exists()
    assert unseen(imap) == []


def test_auto_submitted_no_is_a_person(imap, desk):
    deliver(imap, mail(Auto_Submitted="no"))
    assert "created: 1" in fetch(imap.url)


def test_each_message_is_processed_once(imap, desk):
    twin = mail(message_id="<same-123@example.com>")
    deliver(imap, twin, twin)  # delivered twice (a retrying relay)
    output = fetch(imap.url)
    assert "created: 1" in output
    assert "duplicate: 1" in output
    imap.select("INBOX")
    imap.store("1:*", "-FLAGS", "(\\Seen)")  # as if the flags were lost before a crash
    assert "duplicate: 2" in fetch(imap.url)
    assert Incident.objects.count() == 1


def test_processed_mail_can_be_moved_to_a_folder(imap, desk):
    deliver(imap, mail(), mail())
    fetch(imap.url + "?move_to=Processed")
    assert Incident.objects.count() == 2
    imap.select("INBOX")
    assert imap.uid("SEARCH", None, "ALL")[1][0].split() == []
    imap.select("Processed")
    assert len(imap.uid("SEARCH", None, "SEEN")[1][0].split()) == 2


def test_a_refused_attachment_becomes_a_work_note(imap, desk):
    msg = mail()
    msg.add_attachment(
        b"MZ\x90\x00" + b"\x00" * 4000,
        maintype="application",
        subtype="octet-stream",
        filename="setup.exe",
    )
    deliver(imap, msg)
    fetch(imap.url)
    incident = Incident.objects.get()
    assert not incident.attachments.exists()
    note = incident.comments.get()
    assert note.kind == "work_note"
    assert "setup.exe" in note.body


def test_the_celery_task_reads_the_configured_mailbox(imap, desk, settings):
    deliver(imap, mail())
    settings.MAILIN_URL = imap.url
    assert run_task(fetch_mail) == "created: 1, commented: 0, duplicate: 0, ignored: 0, failed: 0"
    assert run_task(fetch_mail).startswith("created: 0")  # twice: nothing more
    settings.MAILIN_URL = ""
    assert run_task(fetch_mail) == "not configured"


def test_bad_mailbox_or_configuration_is_a_clear_error(imap, imap_server, desk, settings):
    deliver(imap, mail())
    with pytest.raises(CommandError, match="IMAP") as refused:
        fetch("imap://desk:wrong-pw@127.0.0.1:{p}/INBOX".format(p=imap_server["port"]))
    assert "wrong-pw" not in str(refused.value)
    with pytest.raises(CommandError, match="unsupported"):
        fetch("pop3://x@y/")
    settings.MAILIN_SERVICE = "No such service"
    with pytest.raises(CommandError, match="MAILIN_SERVICE"):
        fetch(imap.url)
    assert len(unseen(imap)) == 1  # nothing consumed
    assert not Incident.objects.exists()


def test_a_local_maildir(tmp_path, desk):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(mailbox.MaildirMessage(mail().as_bytes()))
    seen = mailbox.MaildirMessage(mail(subject="old").as_bytes())
    seen.set_subdir("cur")
    seen.add_flag("S")
    box.add(seen)
    url = "maildir://" + str(tmp_path / "Maildir")
    summary = mail_fetch(url=url)
    assert summary.count("created") == 1
    assert Incident.objects.get().title == "Printer on floor 3 jams"
    assert all("S" in box.get_message(k).get_flags() for k in box.iterkeys())
    assert not list((tmp_path / "Maildir" / "new").iterdir())
    assert mail_fetch(url=url).outcomes == []


def test_beat_reads_the_mailbox_only_when_one_is_configured():
    import subprocess
    import sys

    code = (
        "import django, os; django.setup(); from django.conf import settings; "
        "print(settings.CELERY_BEAT_SCHEDULE.get('integrations.fetch_mail'))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "itsm.settings"}
    env.pop("MAILIN_URL", None)
    run = {"env": env, "capture_output": True, "text": True, "check": True}
    off = subprocess.run([sys.executable, "-c", code], **run)  # noqa: S603
    assert off.stdout.strip() == "None"
    env.update(MAILIN_URL="maildir:///var/mail/desk", MAILIN_INTERVAL="30")
    on = subprocess.run([sys.executable, "-c", code], **run)  # noqa: S603
    assert "'schedule': 30.0" in on.stdout
    assert "'task': 'integrations.fetch_mail'" in on.stdout


@pytest.mark.django_db(transaction=True)
def test_two_fetchers_at_once_process_each_message_once(imap_server, settings):
    import threading

    from django.db import connection

    settings.MAILIN_SERVICE = ServiceFactory(name="Workplace devices").name
    conn = imaplib.IMAP4(imap_server["host"], imap_server["port"])
    conn.login(imap_server["user"], imap_server["password"])
    _status, count = conn.select("INBOX")
    if int(count[0]):
        conn.store("1:*", "+FLAGS", "(\\Deleted)")
        conn.expunge()
    deliver(conn, *(mail(sender="user{n}@example.org".format(n=n)) for n in range(6)))
    url = "imap://desk:s3cret@127.0.0.1:{p}/INBOX".format(p=imap_server["port"])
    summaries, errors = [], []

    def run():
        try:
            summaries.append(mail_fetch(url=url))
        except Exception as exc:  # reported below, not swallowed
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    conn.logout()
    assert errors == []
    assert sum(s.count("created") for s in summaries) == 6
    assert Incident.objects.count() == 6


def test_passwords_never_reach_messages():
    assert _redacted("imap://desk:pw%40x@host:143/INBOX") == "imap://desk:***@host:143/INBOX"
    assert _redacted("maildir:///var/mail") == "maildir:///var/mail"


def test_a_reply_to_a_closed_incident_opens_a_follow_up(imap, desk):
    deliver(imap, mail())
    fetch(imap.url)
    incident = Incident.objects.get()
    Incident.objects.filter(pk=incident.pk).update(state="closed")
    deliver(imap, mail(subject="Re: " + incident.number, body="It is back.\n> old text"))
    assert "created: 1" in fetch(imap.url)
    follow_up = Incident.objects.exclude(pk=incident.pk).get()
    assert follow_up.description == "Follow-up to {n} (closed).\n\nIt is back.".format(
        n=incident.number
    )
    assert not incident.comments.exists()


def test_round_trip_notification_out_reply_in(imap, desk):
    from django.core import mail as django_mail

    from core.models import OutboxMessage
    from incidents.tasks import send_incident_notification

    deliver(imap, mail())
    fetch(imap.url)
    incident = Incident.objects.get()
    message = OutboxMessage.objects.get(
        kwargs__event="created", kwargs__recipient_id=desk["caller"].pk
    )
    assert run_task(send_incident_notification, **{**message.kwargs, "outbox_id": str(message.id)})
    sent = django_mail.outbox[-1].message()  # the notification as it left the desk
    assert incident.number in str(sent["Subject"])
    deliver(imap, sent)  # a copy reaching our own mailbox is a loop, not a ticket
    assert "ignored: 1" in fetch(imap.url)
    reply = mail(
        subject="Re: " + str(sent["Subject"]),
        body="Still jammed after lunch.\n\n> " + "\n> ".join(sent.get_payload().splitlines()),
        In_Reply_To=str(sent["Message-ID"]),
    )
    deliver(imap, reply)
    assert "commented: 1" in fetch(imap.url)
    assert incident.comments.get().body == "Still jammed after lunch."
    assert Incident.objects.count() == 1


def test_a_deactivated_users_mail_is_dropped_not_given_a_new_account(imap, desk):
    from django.contrib.auth import get_user_model

    make_user("gone", Role.REQUESTER, email="gone@example.com", is_active=False)
    deliver(imap, mail(sender="Gone <GONE@example.com>"))
    assert "ignored: 1" in fetch(imap.url)
    assert not Incident.objects.exists()
    assert get_user_model().objects.filter(email__iexact="gone@example.com").count() == 1


def test_a_forged_staff_address_needs_the_reply_token_of_that_address(imap, desk):
    deliver(imap, mail())
    fetch(imap.url)
    incident = Incident.objects.get()
    number = incident.number
    tagged = "Re: [{n} #{t}] Printer on floor 3 jams"
    forged = [
        mail(sender="erik@example.com", subject="Re: " + number, body="Closing, all fine."),
        mail(sender="erik@example.com", subject=tagged.format(n=number, t="0123456789")),
        # the caller's own token (from their notification) does not work for a staff address
        mail(
            sender="erik@example.com",
            subject=tagged.format(
                n=number, t=reply_token(number=number, address="anna@example.com")
            ),
        ),
        # erik's token for another incident does not work for this one
        mail(
            sender="erik@example.com",
            subject="Re: [{n} #{t}]".format(
                n=number, t=reply_token(number="INC9999999", address="erik@example.com")
            ),
        ),
    ]
    deliver(imap, *forged)
    assert "created: 4" in fetch(imap.url)
    incident.refresh_from_db()
    assert not incident.comments.exists()
    assert incident.responded_at is None
    genuine = mail(
        sender="Erik <ERIK@example.com>",
        subject=tagged.format(n=number, t=reply_token(number=number, address="erik@example.com")),
        body="Toner replaced.",
    )
    deliver(imap, genuine)
    assert "commented: 1" in fetch(imap.url)
    assert list(incident.comments.values_list("author__username", "body")) == [
        ("erik", "Toner replaced.")
    ]


def test_a_watcher_replies_without_a_token(imap, desk):
    deliver(imap, mail())
    fetch(imap.url)
    incident = Incident.objects.get()
    incident.watchers.add(desk["stranger"])
    deliver(imap, mail(sender="mallory@example.com", subject="Re: " + incident.number, body="+1"))
    assert "commented: 1" in fetch(imap.url)
    assert incident.comments.get().author == desk["stranger"]


def test_round_trip_staff_notification_out_reply_in(imap, desk):
    from django.core import mail as django_mail

    from incidents.notifications import incident_notification_send

    deliver(imap, mail())
    fetch(imap.url)
    incident = Incident.objects.get()
    assert incident_notification_send(
        incident_id=incident.pk, event="commented", recipient_id=desk["agent"].pk, outbox_id=None
    )
    subject = str(django_mail.outbox[-1].subject)
    token = reply_token(number=incident.number, address="erik@example.com")
    assert subject.startswith("[{n} #{t}] ".format(n=incident.number, t=token))
    assert len(token) == 10
    deliver(imap, mail(sender="erik@example.com", subject="Re: " + subject, body="On my way."))
    assert "commented: 1" in fetch(imap.url)
    assert incident.comments.get().author == desk["agent"]


@pytest.mark.parametrize("name", ["..", "#", "!!!", "x\x00.png", "a." + "x" * 150])
def test_an_attachment_name_storage_refuses_does_not_block_the_mailbox(imap, desk, name):
    poison = mail(subject="Poison")
    poison.add_attachment(PNG, maintype="image", subtype="png", filename=name)
    deliver(imap, poison, mail(subject="Good"))
    output = fetch(imap.url)
    assert "created: 2" in output
    assert "failed: 0" in output
    assert set(Incident.objects.values_list("title", flat=True)) == {"Poison", "Good"}
    stored = Incident.objects.get(title="Poison").attachments.get()
    assert "\x00" not in stored.original_name
    assert unseen(imap) == []


def test_nul_characters_are_removed_from_subject_body_name_and_file_names(tmp_path, desk):
    # A Maildir: an IMAP server may rewrite NUL bytes, a local delivery keeps them.
    raw = (
        b"From: Per\x00 Persson <per@example.org>\r\n"
        b"To: desk@example.com\r\n"
        b"Subject: Screen\x00 black\r\n"
        b"Message-ID: <nul-1@example.org>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSince\x00 08:00\r\n"
        b"--b\r\nContent-Type: text/plain\r\n"
        b'Content-Disposition: attachment; filename="a\x00.txt"\r\n\r\nlog line\r\n'
        b"--b--\r\n"
    )
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(mailbox.MaildirMessage(raw))
    box.add(mailbox.MaildirMessage(mail(subject="Good").as_bytes()))
    summary = mail_fetch(url="maildir://" + str(tmp_path / "Maildir"))
    assert summary.count("created") == 2, summary.outcomes
    incident = Incident.objects.get(title="Screen black")
    assert incident.description == "Since 08:00"
    assert "\x00" not in incident.caller.get_full_name()
    assert incident.attachments.get().original_name == "a.txt"


def test_a_sender_address_over_254_characters_is_ignored(imap, desk):
    deliver(imap, mail(sender="x" * 250 + "@example.com"), mail())
    output = fetch(imap.url)
    assert "ignored: 1" in output
    assert "created: 1" in output
    assert Incident.objects.get().caller == desk["caller"]


def test_a_message_that_fails_unexpectedly_is_reported_once_and_skipped(
    imap, desk, monkeypatch, caplog
):
    """Fault injection: a bug that raises for one message (every known poison is fixed)."""
    from core.models import ProcessedMessage
    from integrations import mailin

    real_create = mailin.incident_create

    def create(*, actor, data):
        if data["title"] == "Poison":
            raise RuntimeError("boom")
        return real_create(actor=actor, data=data)

    monkeypatch.setattr(mailin, "incident_create", create)
    deliver(imap, mail(subject="Poison"), mail(subject="Good"))
    output = fetch(imap.url)
    assert "failed: error: RuntimeError" in output
    assert "created: 1, commented: 0, duplicate: 0, ignored: 0, failed: 1" in output
    assert list(Incident.objects.values_list("title", flat=True)) == ["Good"]
    assert ProcessedMessage.objects.filter(task="integrations.mailin:failed").count() == 1
    assert "s3cret" not in caplog.text
    assert unseen(imap) == []
    assert "failed: 0" in fetch(imap.url)  # reported once
    imap.select("INBOX")
    imap.store("1:*", "-FLAGS", "(\\Seen)")  # flags lost: the ledger still knows both
    assert "duplicate: 2" in fetch(imap.url)
    assert Incident.objects.count() == 1


@pytest.mark.postgres
def test_a_new_sender_created_concurrently_is_reused_not_a_crash(postgresql, settings):
    """Another reader creates the sender's account between our check and our insert: the
    insert waits for its commit, fails on the unique user name, and we take that account."""
    import threading

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from integrations.mailin import mail_process

    settings.MAILIN_SERVICE = ServiceFactory(name="Workplace devices").name
    users = get_user_model()
    inserted, release = threading.Event(), threading.Event()

    def other_reader():
        try:
            with transaction.atomic():
                users.objects.create(username="per@example.org", email="per@example.org")
                inserted.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_reader)
    thread.start()
    assert inserted.wait(timeout=10)
    threading.Timer(1.0, release.set).start()  # commits while our insert waits on it
    outcome = mail_process(mail(sender="Per Persson <per@example.org>").as_bytes())
    thread.join()
    assert outcome.kind == "created", outcome
    assert users.objects.filter(email="per@example.org").count() == 1
    assert Incident.objects.get().caller.username == "per@example.org"
