"""The Redis cache degrades to misses when Redis is down: the API still answers."""

import socket

import pytest
from django.core.cache import caches
from django.test import override_settings

from core import cache as resilient


def refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again: nothing listens there


@pytest.fixture
def dead_redis(settings):
    resilient._state.update(down_until=0.0, warned_at=-3600.0)
    location = "redis://127.0.0.1:{port}/0".format(port=refused_port())
    config = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=config):
        yield caches["default"]
    resilient._state.update(down_until=0.0, warned_at=-3600.0)


def test_reads_miss_and_writes_drop_when_redis_is_down(dead_redis, caplog):
    assert dead_redis.get("k", "default") == "default"
    assert dead_redis.set("k", 1) is None
    assert dead_redis.add("k", 1) is False
    assert dead_redis.get_many(["a", "b"]) == {}
    with pytest.raises(ValueError, match="not found"):
        dead_redis.incr("k")
    assert "cache unavailable" in caplog.text
    assert resilient._state["down_until"] > 0  # skipped for a while, not waited for again


@pytest.mark.django_db
def test_the_api_answers_with_its_throttle_cache_down(dead_redis, api_client, agent):
    response = api_client(agent).get("/api/v1/incidents/")
    assert response.status_code == 200


@pytest.mark.django_db
def test_pages_and_writes_work_with_every_cache_down(dead_redis, client, api_client, agent):
    """Permissions, option lists, queue rows, the SLA inputs and the count memo are all
    cached: with Redis down each is read from the database instead."""
    from tests.factories import IncidentFactory, ServiceFactory

    incident = IncidentFactory()
    client.force_login(agent)
    assert client.get("/incidents/?queue=all").status_code == 200
    assert client.get("/incidents/{n}/".format(n=incident.number)).status_code == 200
    created = api_client(agent).post(
        "/api/v1/incidents/", {"title": "Down", "service": ServiceFactory().pk}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["sla"]["state"]
    assert api_client(agent).get("/api/v1/incidents/").json()["count"] == 2
