"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>" with the subscription's secret.

A receiver verifies with `webhook_signature_valid(secret, timestamp, body, header)` or the
same three lines in its own language: recompute, compare in constant time, and refuse a
timestamp older than five minutes (replays).
"""

import hashlib
import hmac
import time

SCHEME = "v1"
TOLERANCE_SECONDS = 300


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the X-Desk-Signature header."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "{scheme}={digest}".format(scheme=SCHEME, digest=mac.hexdigest())


def webhook_signature_valid(
    secret: str, timestamp: int, body: bytes, header: str, *, now: float | None = None
) -> bool:
    """Check a delivery's signature and freshness."""
    if abs((now or time.time()) - timestamp) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(webhook_signature(secret, timestamp, body), header)
