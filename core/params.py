"""Query-string parameters parsed defensively (a bad value is an answer, never a 500)."""


def id_param(value: object) -> int | None:
    """A database id from a query string: digits only, at most 18 of them; else None."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:  # "²".isdigit() is True
        return None
    return int(text)
