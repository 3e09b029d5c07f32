"""A Redis cache that a Redis outage cannot turn into 500s.

The cache holds only what may be lost: API throttle counters and cached fragments. When Redis
does not answer, reads miss and writes are dropped, so the desk keeps answering while the
broker and cache are down (the outbox keeps the work: core.outbox). After a failure the cache
is skipped for RETRY_AFTER seconds, so each request does not wait for a dead server again;
the outage is logged once a minute per process.
"""

import copy
import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_AFTER = 5.0
_state = {"down_until": 0.0, "warned_at": -3600.0}


def guarded(operation: str, fallback: Any, call: Callable[[], Any]) -> Any:
    """call(), or `fallback` if Redis does not answer (or did not a moment ago)."""
    now = time.monotonic()
    if now < _state["down_until"]:
        return fallback
    try:
        return call()
    except UNAVAILABLE as error:
        _state["down_until"] = now + RETRY_AFTER
        if now - _state["warned_at"] > 60:
            _state["warned_at"] = now
            logger.warning("cache unavailable (%s): %s; carrying on without it", operation, error)
        return fallback


class _ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a new redis.Redis per cache call (its constructor fills a table of ~170
    response callbacks: 0.3 ms, eight times on a queue page); one per pool does."""

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        if id(pool) not in clients:
            clients[id(pool)] = self._client(connection_pool=pool)
        return clients[id(pool)]


class ResilientRedisCache(RedisCache):
    """Django's RedisCache; an unreachable server is a miss, not an error."""

    def __init__(self, server: str, params: dict) -> None:
        super().__init__(server, params)
        self._class = _ReusedClientRedisCacheClient

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        parent = super()
        return guarded("get", default, lambda: parent.get(key, default, version))

    def get_many(self, keys: Any, version: int | None = None) -> dict:
        parent = super()
        return guarded("get_many", {}, lambda: parent.get_many(keys, version))

    def has_key(self, key: Any, version: int | None = None) -> bool:
        parent = super()
        return guarded("has_key", False, lambda: parent.has_key(key, version))

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None):
        parent = super()
        return guarded("set", None, lambda: parent.set(key, value, timeout, version))

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None):
        parent = super()
        return guarded("add", False, lambda: parent.add(key, value, timeout, version))

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list:
        parent = super()
        return guarded("set_many", list(data), lambda: parent.set_many(data, timeout, version))

    def delete(self, key: Any, version: int | None = None) -> bool:
        parent = super()
        return guarded("delete", False, lambda: parent.delete(key, version))

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        parent = super()
        return guarded("touch", False, lambda: parent.touch(key, timeout, version))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        parent = super()
        sentinel = object()
        result = guarded("incr", sentinel, lambda: parent.incr(key, delta, version))
        if result is sentinel:
            raise ValueError("Key '{key}' not found (cache unavailable)".format(key=key))
        return result


# The generations read during the current request (None outside one): a page asks for the
# permissions, option-list and SLA generations, and gets them all in its first round trip.
_request_generations: ContextVar[dict[str, str] | None] = ContextVar(
    "request_generations", default=None
)
_generation_names: set[str] = set()
UNKNOWN_GENERATION = "unavailable-"  # how generation() starts a value made up without Redis


def generations_per_request(**kwargs: Any) -> None:
    """request_started: from now on each generation is read once, all in one round trip."""
    _request_generations.set({})


def generations_request_done(**kwargs: Any) -> None:
    """request_finished: read generations afresh again (Celery tasks always do)."""
    _request_generations.set(None)


def generation(name: str) -> str:
    """The current generation of a family of cached values: part of their keys, so bumping
    it (generation_bump) retires them all at once. A lost key (eviction, Redis restarted)
    starts a new generation: a miss, never a stale value.

    Within a request the first call reads every known generation in one round trip and
    the request keeps them: a value a request caches under a generation that was bumped
    meanwhile is under a retired key, never a current one."""
    from django.core.cache import cache

    memo = _request_generations.get()
    if memo is not None and name in memo:
        return memo[name]
    names = [name] if memo is None else sorted(_generation_names | {name})
    found = cache.get_many(["gen:" + n for n in names])
    values = {}
    for n in names:
        key = "gen:" + n
        values[n] = found.get(key)
        if values[n] is None:
            cache.add(key, uuid.uuid4().hex, None)
            values[n] = cache.get(key)
    if values[name] is None:
        # The cache does not answer: a generation of its own, under which nothing is ever
        # found again, and nothing remembered for the request (it may answer in a moment).
        return UNKNOWN_GENERATION + uuid.uuid4().hex
    if memo is not None:
        memo.update({n: value for n, value in values.items() if value is not None})
    return values[name]


def generation_bump(*names: str) -> None:
    """Retire the cached values of these families, now and again when the transaction
    commits (a reader between the two could have cached what was about to change)."""
    from django.core.cache import cache
    from django.db import transaction

    def bump() -> None:
        fresh = {name: uuid.uuid4().hex for name in names}
        if cache.set_many({"gen:" + name: value for name, value in fresh.items()}, None):
            # Not written (Redis down): this process at least forgets what it kept; the
            # others keep theirs until it is LOCAL_SECONDS old.
            _local.clear()
        memo = _request_generations.get()
        if memo is not None:
            memo.update(fresh)

    bump()
    transaction.on_commit(bump, robust=True)


CHOICES = "choices"
UNSHOWN_FIELDS = {"last_login"}  # a save of only these retires no cached values
_choice_models: set[type] = set()


def generation_retired_by(
    name: str,
    *models: type,
    saved: bool = True,
    deleted: bool = True,
    through: tuple[type, ...] = (),
) -> None:
    """Bump the generation `name` whenever one of `models` is saved or deleted, or a
    `through` m2m table changes. Called from the apps' ready()."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    def retire(update_fields: Any = None, **kwargs: Any) -> None:
        if update_fields is not None and set(update_fields) <= UNSHOWN_FIELDS:
            return  # a log-in's save of last_login: nothing cached shows it
        generation_bump(name)

    _generation_names.add(name)
    signals = [s for s, wanted in ((post_save, saved), (post_delete, deleted)) if wanted]
    for model in models:
        for signal in signals:
            signal.connect(retire, sender=model, weak=False, dispatch_uid=(name, signal, model))
    for table in through:
        m2m_changed.connect(retire, sender=table, weak=False, dispatch_uid=(name, table))


def choices_cache_for(*models: type, through: tuple[type, ...] = ()) -> None:
    """Let forms' option lists over these models come from the cache (choices_from_cache);
    any save or delete of one of them, or a change to the `through` m2m tables, retires
    every cached list. Called from the apps' ready()."""
    _choice_models.update(models)
    generation_retired_by(CHOICES, *models, through=through)


def choices_from_cache(form: Any, scope: str) -> None:
    """Fill the form's model selects over the registered models from the cache: one
    round trip instead of a query per select (a list page's filter form has three or
    four). The lists are as Django builds them (empty label first, then each row's label);
    what a user submits is still looked up in the database when the form is cleaned.

    `scope` names the form class: its selects' querysets must not depend on the request
    (who asks, what is filtered), as they are cached under the scope and field name."""
    from django.core.cache import cache
    from django.forms import ModelChoiceField

    fields = {
        name: field
        for name, field in form.fields.items()
        if isinstance(field, ModelChoiceField) and field.queryset.model in _choice_models
    }
    if not fields:
        return
    prefix = "choices:{gen}:{scope}:".format(gen=generation(CHOICES), scope=scope)
    found = cache.get_many([prefix + name for name in fields])
    missing = {}
    for name, field in fields.items():
        options = found.get(prefix + name)
        if options is None:
            options = [(obj.pk, field.label_from_instance(obj)) for obj in field.queryset]
            missing[prefix + name] = options
        empty = [("", field.empty_label)] if field.empty_label is not None else []
        field.widget.choices = empty + options  # what renders; cleaning keeps the query
    if missing:
        cache.set_many(missing, 3600)


_uncovered: set[str] = set()  # form scopes with a select the option-list cache does not cover
_local: dict[str, tuple[float, Any]] = {}  # key: (monotonic time it expires, value)
LOCAL_MAX = 4096  # entries, the oldest out first; a queue row ~1.5 KB, an API row ~7 KB
LOCAL_SECONDS = 300  # at most this old: bounds what a lost generation bump leaves behind


def local_get(key: str) -> Any:
    return local_get_many((key,)).get(key)


def local_get_many(keys: Iterable[str]) -> dict[str, Any]:
    """The values of these keys this process keeps (those it has)."""
    now = time.monotonic()
    found = {}
    for key in keys:
        entry = _local.get(key)
        if entry is not None and entry[0] > now:
            found[key] = entry[1]
    return found


def local_set(key: str, value: Any) -> None:
    """Keep a value in this process's memory for at most LOCAL_SECONDS. For what pages
    read on every request (rendered HTML, display rows, the rows of small tables): no
    round trip to Redis, nothing to unpickle (for a 50-row page, 1.4 of its 6 ms). `key`
    holds what the value depends on (generations, an incident's version, the minute), so
    a bump anywhere retires it here at once, and a bump lost with Redis down is outlived
    by five minutes at most; a new release's processes start empty. Bounded: when full,
    the oldest entry goes; not kept under a generation made up while Redis was down.
    Callers share the value: they must not change it."""
    if UNKNOWN_GENERATION in key:
        return
    while len(_local) >= LOCAL_MAX:
        try:
            _local.pop(next(iter(_local)), None)
        except (StopIteration, RuntimeError):  # emptied or changed by another thread
            break
    _local[key] = (time.monotonic() + LOCAL_SECONDS, value)


def local_get_or_set(key: str, make: Callable[[], Any]) -> Any:
    """The value this process keeps under `key`, or make()'s, kept (local_set) unless None."""
    value = local_get(key)
    if value is None:
        value = make()
        if value is not None:
            local_set(key, value)
    return value


_row_models: dict[type, tuple[str, ...]] = {}


def row_cache_for(model: type, *, with_related: tuple[str, ...] = ()) -> None:
    """Let row_cached keep rows of this rarely changed table that pages show by the
    thousand (services, groups, SLA policies, people) in each process's memory, with the
    rows of its foreign keys `with_related` (select_related, one level); a save or delete
    of one of them, or of a row of those related models, retires them all (a queryset
    .update() does not: use save()). Called from the apps' ready()."""
    _row_models[model] = with_related
    related = [model._meta.get_field(name).related_model for name in with_related]
    generation_retired_by("rows:" + model._meta.label_lower, model, *related)


def row_cached(model: type, pk: Any) -> Any:
    """The row of a model registered with row_cache_for, as the database had it when this
    process last read it under the current generation, or None if there is none. Each
    caller gets its own copy, its related rows too (changing it changes nothing shared)."""
    if pk is None:
        return None
    label = model._meta.label_lower
    key = "row:{gen}:{label}:{pk}".format(gen=generation("rows:" + label), label=label, pk=pk)
    row = local_get_or_set(
        key,
        lambda: model._default_manager.select_related(*_row_models[model]).filter(pk=pk).first(),
    )
    if row is None:
        return None
    clone = _copy(row)
    for name in _row_models[model]:
        if (related := getattr(row, name)) is not None:
            setattr(clone, name, _copy(related))
    return clone


def _copy(row: Any) -> Any:
    """A model instance of its own: its lists and dicts (JSON fields) copied too."""
    clone = copy.copy(row)
    for name, value in list(vars(clone).items()):
        if isinstance(value, list | dict) and not name.startswith("_"):
            setattr(clone, name, copy.deepcopy(value))
    return clone


def choices_html(
    scope: str,
    variant: str,
    make_form: Callable[[], Any],
    render: Callable[[Any], str],
    shown: tuple[str, ...] = (),
) -> str:
    """A form's HTML that depends on nothing but the language, `variant` (say, the page's
    path) and its option lists: an unbound filter form, the bulk-action bar. It is kept in
    the process's memory under the option lists' generation (local_set), so a renamed
    service shows on the next request; the form is built only when the HTML is not there.
    A form showing a select over a model choices_cache_for does not cover is built and
    rendered every time. `shown`: the fields the HTML shows, if not all."""
    from django.forms import ModelChoiceField
    from django.utils.translation import get_language

    key = "html:{gen}:{lang}:{scope}:{variant}".format(
        gen=generation(CHOICES),
        lang=get_language(),
        scope=scope,
        variant=hashlib.sha256(variant.encode()).hexdigest()[:32],
    )
    if scope not in _uncovered and (html := local_get(key)) is not None:
        return html
    form = make_form()
    choices_from_cache(form, scope)
    html = render(form)
    if any(
        isinstance(field, ModelChoiceField) and field.queryset.model not in _choice_models
        for name, field in form.fields.items()
        if name in shown or not shown
    ):
        _uncovered.add(scope)
    else:
        local_set(key, html)
    return html
