"""Attachments: size limit, type sniffed from the bytes, served as a download only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.attachments import (
    AttachmentTooLarge,
    AttachmentTypeRefused,
    attachment_response,
    attachment_sniff,
    attachment_validate,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.mark.parametrize(
    ("head", "name", "kind"),
    [
        (PNG, "shot.png", "image/png"),
        (PNG, "innocent.txt", "image/png"),  # the bytes decide, not the name
        (b"%PDF-1.7", "report.pdf", "application/pdf"),
        (b"hello, world\n", "notes.txt", "text/plain"),
        (b"a;b\n1;2\n", "data.csv", "text/csv"),
        (b"<html><script>alert(1)</script>", "page.txt", "text/html"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "setup.pdf", "application/octet-stream"),
    ],
)
def test_sniff(head, name, kind):
    assert attachment_sniff(head, name) == kind


def test_validate_accepts_an_allowed_type():
    assert attachment_validate(SimpleUploadedFile("a.png", PNG, "text/plain")) == "image/png"


def test_validate_refuses_html_disguised_as_text():
    upload = SimpleUploadedFile("a.txt", b"<html><script>x</script></html>", "text/plain")
    with pytest.raises(AttachmentTypeRefused) as err:
        attachment_validate(upload)
    assert (err.value.status, err.value.code) == (415, "attachment_type_not_allowed")


def test_validate_refuses_oversized_files(settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(AttachmentTooLarge) as err:
        attachment_validate(SimpleUploadedFile("a.txt", b"x" * 11))
    assert err.value.status == 413


def test_response_forces_download_with_the_checked_type(tmp_path):
    path = tmp_path / "evil.html"
    path.write_bytes(b"plain text")

    class Stored:
        file = type("F", (), {"open": lambda self, mode: path.open(mode)})()
        original_name = 'evil".html'
        content_type = "text/plain"

    response = attachment_response(Stored())
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "text/plain"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    response.file_to_stream.close()
