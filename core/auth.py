"""Permissions cached across requests.

Django's ModelBackend asks the database for a user's permissions in two queries on every
request (its cache lives on the request's user object). Every page and API call checks a
permission, so the set is kept in the shared cache under the "permissions" generation, which
any change to groups, memberships or permissions retires (signals below). Without a cache
server the backend reads the database, as Django's does.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache

from core.cache import generation, generation_retired_by

GENERATION = "permissions"
TIMEOUT = 600  # also bounds what a change made without signals (raw SQL) leaves stale


class CachedPermissionBackend(ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            key = "perms:{gen}:{pk}:{su}".format(
                gen=generation(GENERATION), pk=user_obj.pk, su=int(user_obj.is_superuser)
            )
            user_obj._perm_cache = cache.get_or_set(
                key, lambda: ModelBackend.get_all_permissions(self, user_obj), TIMEOUT
            )
        return user_obj._perm_cache


def permission_signals_connect() -> None:
    """Called from CoreConfig.ready."""
    user = get_user_model()
    generation_retired_by(GENERATION, Group, Permission)
    generation_retired_by(GENERATION, user, saved=False)
    generation_retired_by(
        GENERATION,
        through=(user.groups.through, user.user_permissions.through, Group.permissions.through),
    )
