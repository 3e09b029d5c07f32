"""Shared fixtures: an actor per role, API clients, fast hashing, a local mailbox."""

import json
import os

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from catalog.choices import Role
from core.history import history_unprotect_sqlite_for_flush_rollback_unsafe

User = get_user_model()


def cache_clear() -> None:
    """Empty this test worker's part of the cache: on Redis, clear() would flush the keys of
    the other workers sharing the database too (their cached permissions and pages). And
    what the process keeps in memory (core.cache.local_set): a rolled-back test leaves ids
    and versions that the next test's new rows take again."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    from core import cache as caching

    caching._local.clear()

    backend = caches["default"]  # `cache` is a proxy: isinstance() would not see through it
    prefix = backend.key_prefix
    if not (isinstance(backend, RedisCache) and prefix):
        backend.clear()
        return
    client = backend._cache.get_client(None, write=True)
    keys = list(client.scan_iter(match=prefix + ":*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.AXES_ENABLED = False
    cache_clear()


@pytest.fixture(autouse=True)
def _flushable_history(request):
    """SQLite flushes with DELETE; let transactional tests clean up (see core.history).

    Requesting pytest-django's database helper first makes this teardown run before its flush.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if not transactional:
        yield
        return
    request.getfixturevalue("_django_db_helper")
    yield
    history_unprotect_sqlite_for_flush_rollback_unsafe()


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL: on the SQLite default they are deselected (not
    skipped) unless asked for with -m, where the `postgresql` fixture then fails clearly. Tests
    marked `faults` start and stop servers for minutes: they run when asked (`make faults`)."""
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    asked = config.option.markexpr or ""
    wanted, deselected = [], []
    for item in items:
        slow_faults = item.get_closest_marker("faults") and "faults" not in asked
        needs_pg = item.get_closest_marker("postgres") and not (on_postgres or "postgres" in asked)
        (deselected if slow_faults or needs_pg else wanted).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = wanted


@pytest.fixture
def postgresql(transactional_db):
    """The test database, which must be PostgreSQL (DATABASE_URL=postgres://…)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail(
            "This test needs PostgreSQL: run it with DATABASE_URL=postgres://postgres@127.0.0.1"
            ":5432/itsm (as .ci/run's PostgreSQL phase and `make faults` do).",
            pytrace=False,
        )
    return connection


def make_user(username: str, role: str | None, **extra) -> User:
    user = User.objects.create_user(
        username=username, password="pw-" + username, first_name=username.title(), **extra
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def requester(db):
    return make_user("req", Role.REQUESTER)


@pytest.fixture
def other_requester(db):
    return make_user("req2", Role.REQUESTER)


@pytest.fixture
def agent(db):
    return make_user("agent", Role.AGENT)


@pytest.fixture
def manager(db):
    return make_user("manager", Role.MANAGER)


@pytest.fixture
def approver(db):
    return make_user("approver", Role.CHANGE_APPROVER)


@pytest.fixture
def administrator(db):
    return make_user("admin", Role.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def api_client():
    """An API client logged in as the given user (None: anonymous)."""

    def build(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return build


def run_task(task, **kwargs):
    """Run a Celery task in-process with kwargs round-tripped through JSON, as the broker does."""
    return task.apply(kwargs=json.loads(json.dumps(kwargs))).get()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


# DEPENDENCIES §5.5: Playwright's event loop and the ORM in one test.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
