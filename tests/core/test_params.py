"""Query-string ids: a bad value is an answer, never a 500."""

import pytest


@pytest.mark.parametrize(("raw", "expected"), [("42", 42), (" 7 ", 7), ("²", None), ("١٠", None),
                                               ("9" * 19, None), ("", None), (None, None)])  # fmt: skip
def test_id_param_takes_plain_ascii_digits_only(raw, expected):
    from core.params import id_param

    assert id_param(raw) == expected
