"""ETag / If-Match for versioned resources (RELIABILITY §B1).

GET answers `ETag: "<prefix>-<id>-v<version>"`. An update needs `If-Match` with that tag
(428 without it, 412 with a stale one, with the current representation in the body). A client
that cannot send headers may put `version` in the body; the header wins when both are present.
"""

import re
from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from core.exceptions import PreconditionRequired, VersionConflict

_TAG = re.compile(r'^(?:W/)?"(?P<prefix>[a-z]+)-(?P<pk>\d+)-v(?P<version>\d+)"$')


class ConditionalUpdateMixin:
    """Adds ETag on reads and the If-Match precondition on writes to a viewset."""

    etag_prefix = "obj"
    _conflict_object: Any = None

    def etag_for(self, obj: Any) -> str:
        return '"{prefix}-{pk}-v{version}"'.format(
            prefix=self.etag_prefix, pk=obj.pk, version=obj.version
        )

    def expected_version(self, request: Request, obj: Any) -> int:
        """The version the client based its change on; refuse if it sent none or a stale one."""
        self._conflict_object = obj
        header = request.headers.get("If-Match", "").strip()
        if header and header != "*":
            for candidate in (part.strip() for part in header.split(",")):
                match = _TAG.match(candidate)
                if match and match["prefix"] == self.etag_prefix and int(match["pk"]) == obj.pk:
                    return int(match["version"])
            raise VersionConflict(current_version=obj.version)
        body_version = request.data.get("version") if hasattr(request.data, "get") else None
        if isinstance(body_version, int) and not isinstance(body_version, bool):
            return body_version
        raise PreconditionRequired()

    def conflict_payload(self) -> tuple[Any, str | None]:
        """The current representation and ETag, for a 412 body."""
        obj = self._conflict_object
        if obj is None:
            return None, None
        obj.refresh_from_db()
        return self.serializer_class(obj).data, self.etag_for(obj)  # type: ignore[attr-defined]

    def with_etag(self, response: Response, obj: Any) -> Response:
        response["ETag"] = self.etag_for(obj)
        return response
