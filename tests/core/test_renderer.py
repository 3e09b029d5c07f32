"""The API's JSON renderer writes what DRF's JSONRenderer writes, only faster."""

import datetime as dt
import decimal
import uuid

import pytest
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from core.api.renderers import FastJSONRenderer

STOCKHOLM = dt.timezone(dt.timedelta(hours=1))
PAYLOADS = [
    {"count": 2, "next": None, "results": [{"a": 1, "b": [True, None, 1.5]}, {}]},
    {"text": "Mail döwn – “again” \u2028 line \u2029 para <script>&", "safe": mark_safe("<b>")},
    {"lazy": gettext_lazy("Not found."), "tuple": (1, 2), "nested": {"x": {"y": [[]]}}},
    {"when": dt.datetime(2026, 11, 25, 21, 0, 5, 123456, tzinfo=dt.UTC),
     "local": dt.datetime(2026, 11, 25, 21, 0, tzinfo=STOCKHOLM),
     "naive": dt.datetime(2026, 11, 25, 21, 0, 0, 500),  # noqa: DTZ001  (as DRF may meet one)
     "day": dt.date(2026, 11, 25),
     "time": dt.time(8, 30, 0, 250000), "span": dt.timedelta(hours=1, seconds=3)},
    {"amount": decimal.Decimal("12.50"), "id": uuid.UUID(int=7), "big": 2**70, 3: "int key"},
    [],
    "plain",
    {"errors": [{"code": "invalid", "detail": "Ogiltigt värde.", "attr": "service"}]},
]  # fmt: skip


@pytest.mark.parametrize("data", PAYLOADS)
def test_the_same_bytes_as_drf(data):
    assert FastJSONRenderer().render(data, "application/json") == JSONRenderer().render(
        data, "application/json"
    )


def test_indented_output_is_drfs(rf):
    data = {"a": [1, 2]}
    for media, context in (("application/json; indent=2", {}), ("application/json", {"indent": 4})):
        assert FastJSONRenderer().render(data, media, context) == JSONRenderer().render(
            data, media, context
        )


def test_none_is_an_empty_body():
    assert FastJSONRenderer().render(None) == b""


@pytest.mark.django_db
def test_the_api_answers_with_it(api_client, agent):
    response = api_client(agent).get("/api/v1/incidents/")
    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, FastJSONRenderer)
    assert response.content == JSONRenderer().render(response.data, "application/json")
