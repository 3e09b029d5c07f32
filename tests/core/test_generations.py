"""Cache generations: a request reads them all once, in one round trip, and keeps them; a
bump it makes itself shows at once; outside a request (Celery) every read is fresh."""

import pytest
from django.core.cache import cache, caches

from core.cache import (
    generation,
    generation_bump,
    generations_per_request,
    generations_request_done,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_request():
    generations_per_request()
    yield
    generations_request_done()


def test_a_request_keeps_the_generations_it_read(in_request):
    seen = generation("choices")
    cache.set("gen:choices", "bumped-by-another-process", None)
    assert generation("choices") == seen
    generations_request_done()
    assert generation("choices") == "bumped-by-another-process"


def test_a_bump_made_in_the_request_shows_in_it_at_once(in_request):
    seen = generation("choices")
    generation_bump("choices")
    assert generation("choices") != seen
    assert generation("choices") == cache.get("gen:choices")


def test_outside_a_request_every_read_is_fresh():
    generation("sla")
    cache.set("gen:sla", "bumped-by-another-process", None)
    assert generation("sla") == "bumped-by-another-process"


def test_a_lost_generation_starts_a_new_one(in_request):
    cache.delete("gen:permissions")
    fresh = generation("permissions")
    assert fresh
    assert fresh == cache.get("gen:permissions")


def test_a_page_reads_every_generation_in_one_round_trip(client, agent, monkeypatch):
    backend = type(caches["default"])
    reads = []
    depth = [0]  # the file cache's get_many calls its get: count the outer call only
    for name in ("get", "get_many"):
        original = getattr(backend, name)

        def recorded(self, keys, *args, _original=original, **kwargs):
            if not depth[0]:
                wanted = [keys] if isinstance(keys, str) else list(keys)
                reads.append([key for key in wanted if key.startswith("gen:")])
            depth[0] += 1
            try:
                return _original(self, keys, *args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(backend, name, recorded)
    client.force_login(agent)
    client.get("/incidents/?queue=all")  # the generations exist from now on
    for _ in range(2):
        reads.clear()
        assert client.get("/incidents/?queue=all").status_code == 200
        generation_reads = [keys for keys in reads if keys]
        assert len(generation_reads) == 1
        assert {"gen:choices", "gen:permissions", "gen:sla"} <= set(generation_reads[0])


def test_with_the_cache_down_nothing_is_found_or_kept_under_a_shared_generation(in_request):
    """A generation read while Redis is down is one of its own (values cached under it are
    never found again), and the request does not keep it: Redis may answer a moment later."""
    from django.test import override_settings

    from core import cache as resilient
    from tests.core.test_cache import refused_port

    dead = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:{port}/0".format(port=refused_port()),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    resilient._state.update(down_until=0.0, warned_at=-3600.0)
    try:
        with override_settings(CACHES=dead):
            first, second = generation("group-members"), generation("group-members")
    finally:
        resilient._state.update(down_until=0.0, warned_at=-3600.0)
    assert first.startswith("unavailable-")
    assert first != second
    assert generation("group-members") == cache.get("gen:group-members")  # back: the real one


def test_process_memory_keeps_nothing_under_a_made_up_generation_and_stays_bounded(
    monkeypatch,
):
    from core import cache as caching

    monkeypatch.setattr(caching, "_local", {})
    monkeypatch.setattr(caching, "LOCAL_MAX", 3)
    caching.local_set("html:" + caching.UNKNOWN_GENERATION + "abc:en", "<form>")
    assert caching.local_get("html:" + caching.UNKNOWN_GENERATION + "abc:en") is None
    for n in range(3):
        caching.local_set("k{n}".format(n=n), n)
    assert caching.local_get("k2") == 2
    caching.local_set("k3", 3)  # full: the oldest goes
    assert caching.local_get_many(["k0", "k1", "k2", "k3"]) == {"k1": 1, "k2": 2, "k3": 3}


def test_process_memory_keeps_a_value_five_minutes_at_most(monkeypatch):
    from types import SimpleNamespace

    from core import cache as caching

    now = 1_000.0
    monkeypatch.setattr(caching, "_local", {})
    monkeypatch.setattr(caching, "time", SimpleNamespace(monotonic=lambda: now))
    caching.local_set("k", "v")
    now += caching.LOCAL_SECONDS - 1
    assert caching.local_get("k") == "v"
    now += 1
    assert caching.local_get("k") is None
    assert caching.local_get_many(["k"]) == {}


def test_a_bump_redis_did_not_take_empties_this_processs_memory(monkeypatch):
    from core import cache as caching

    monkeypatch.setattr(caching, "_local", {})
    caching.local_set("k", "v")
    generation_bump("choices")
    assert caching.local_get("k") == "v"  # written: the key's generation retires it
    monkeypatch.setattr(cache, "set_many", lambda data, *args, **kwargs: list(data))
    generation_bump("choices")
    assert caching.local_get("k") is None


def test_a_log_in_retires_no_cached_people(agent):
    before = generation("rows:auth.user")
    agent.save(update_fields=["last_login"])
    assert generation("rows:auth.user") == before
    agent.first_name = "Ebba"
    agent.save()
    assert generation("rows:auth.user") != before
