"""Attachment checks and serving: size limit, content type sniffed from the bytes (the
client's claim is not trusted), and downloads that a browser never renders inline."""

import mimetypes
import os
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
)
_ZIP_BASED = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_TEXT_BASED = {"text/csv", "application/json", "text/plain"}
SNIFF_BYTES = 2048
_EXTENSIONS = {
    "text/plain": (".txt", ".log", ".md"),
    "text/csv": (".csv",),
    "application/json": (".json",),
}


MAX_EXTENSION = 16


def attachment_filename(name: str | None, default: str = "attachment") -> str:
    """A client's file name made safe for storage: no NUL, no folders, at most 255
    characters and a short extension; a name storage would refuse ("..", "#", "!!!", "")
    becomes `default`. Other names are kept as given (the storage cleans its own copy)."""
    text = (name or "").replace("\x00", "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    root, ext = os.path.splitext(text)
    if len(ext) > MAX_EXTENSION:
        text = root + ext[:MAX_EXTENSION]
    try:
        get_valid_filename(text)
    except SuspiciousFileOperation:
        return default
    return text[-255:] if len(text) > 255 else text


class AttachmentTooLarge(DomainError):
    status = 413
    default_code = "attachment_too_large"


class AttachmentTypeRefused(DomainError):
    status = 415
    default_code = "attachment_type_not_allowed"


def attachment_sniff(head: bytes, filename: str) -> str:
    """The content type the bytes really are; the file name only refines zip and text."""
    guessed = mimetypes.guess_type(filename)[0] or ""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            if kind == "application/zip" and guessed in _ZIP_BASED:
                return guessed
            return kind
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        if len(head) < SNIFF_BYTES:
            return "application/octet-stream"
        # A full sample may end in the middle of a multi-byte character.
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return "application/octet-stream"
    if "\x00" in text:
        return "application/octet-stream"
    if "<script" in text.lower() or "<html" in text.lower() or "<svg" in text.lower():
        return "text/html"
    return guessed if guessed in _TEXT_BASED else "text/plain"


def attachment_validate(upload: Any) -> str:
    """Check size and type of an uploaded file; return the sniffed content type.

    Raises: attachment_too_large (413), attachment_type_not_allowed (415).
    """
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise AttachmentTooLarge(
            message=_("The file is larger than the limit of {mb} MB.").format(
                mb=round(limit / 1024 / 1024, 1)
            ),
            field="file",
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = attachment_sniff(head, upload.name or "")
    if kind not in settings.ATTACHMENT_ALLOWED_TYPES:
        raise AttachmentTypeRefused(
            message=_("Files of type {kind} are not accepted.").format(kind=kind), field="file"
        )
    return kind


class StoredAttachment(Protocol):
    file: Any
    original_name: str
    content_type: str


def attachment_download_name(name: str, content_type: str) -> str:
    """The file name to download as: text keeps a text extension, so `x.exe` or `run.bat`
    that passed as text can never be saved as something that runs."""
    allowed = _EXTENSIONS.get(content_type)
    if allowed and not name.lower().endswith(allowed):
        return name + allowed[0]
    return name


def attachment_response(attachment: StoredAttachment) -> FileResponse:
    """Serve a stored attachment as a download with its checked type, never inline."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment_download_name(attachment.original_name, attachment.content_type),
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
