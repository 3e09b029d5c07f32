"""Record machinery shared by incidents, problems and changes; no ITSM-process knowledge.

Abstract bases give the common columns; the concrete tables (numbers, outbox, processed
messages) are infrastructure every process uses.
"""

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Adds created and updated instants."""

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(models.Model):
    """Adds the optimistic-locking version; it rises only when the row's own fields change."""

    version = models.PositiveBigIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class RecordBase(TimeStampedModel, VersionedModel):
    """The columns every ITSM record has (DOMAIN §2); the process app adds service, CIs, links."""

    NUMBER_PREFIX: ClassVar[str] = ""

    number = models.CharField(_("number"), max_length=16, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(_("state"), max_length=32, db_index=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return "{number} {title}".format(number=self.number, title=self.title)


class TimelineKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    WORK_NOTE = "work_note", _("Work note")


class TimelineEntryBase(models.Model):
    """A public comment (the requester sees it) or an internal work note; append-only."""

    kind = models.CharField(_("kind"), max_length=16, choices=TimelineKind.choices)
    body = models.TextField(_("text"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return "{kind} by {author}".format(kind=self.get_kind_display(), author=self.author_id)

    @property
    def is_public(self) -> bool:
        return self.kind == TimelineKind.COMMENT


class AttachmentBase(models.Model):
    """A file on a record: validated size and sniffed type, served as a download only."""

    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class NumberSequence(models.Model):
    """The last number handed out per record kind; numbers are never reused."""

    kind = models.CharField(max_length=16, primary_key=True)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return "{kind}: {last}".format(kind=self.kind, last=self.last)


class OutboxMessage(models.Model):
    """A task to publish, written in the same transaction as the change that caused it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["available_at"],
                name="outbox_pending_idx",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return "{task} {id}".format(task=self.task, id=self.id)


class ProcessedMessage(models.Model):
    """The ledger of outbox messages a consumer has handled; a duplicate is a no-op."""

    id = models.UUIDField(primary_key=True)
    task = models.CharField(max_length=200)
    processed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-processed_at"]

    def __str__(self) -> str:
        return str(self.id)


class IdempotencyRecord(models.Model):
    """The stored answer to an API write sent with an Idempotency-Key (RELIABILITY §B2)."""

    principal = models.CharField(max_length=80)
    method = models.CharField(max_length=8)
    route = models.CharField(max_length=200)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.BinaryField()
    content_type = models.CharField(max_length=100)
    location = models.CharField(max_length=500, blank=True)
    etag = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["principal", "method", "route", "key"], name="idempotency_key_per_scope"
            )
        ]

    def __str__(self) -> str:
        return "{m} {r} {k}".format(m=self.method, r=self.route, k=self.key)
