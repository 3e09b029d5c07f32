"""The viewset shape every resource shares: selector reads, service writes, ETag/If-Match.

Subclasses name the selector, the serializers and the two service calls; lists get the
FilterSet shared with the UI, ordering by a unique key last, and stable pagination.
"""

from typing import Any

from django.http import Http404
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.mixins import ConditionalUpdateMixin


class ServiceBackedViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and PATCH through services; PUT and DELETE are not offered."""

    input_serializer_class: Any = None
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return self.input_serializer_class
        return self.serializer_class

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        return self.with_etag(Response(self.serializer_class(obj).data), obj)

    def perform_create_service(self, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def created_for_response(self, obj: Any) -> Any:
        """The created record as the response shows it: read again through get_queryset (its
        annotations and related rows), unless a viewset knows the service's object has
        all of them."""
        return self.get_queryset().get(pk=obj.pk)

    def perform_update_service(self, obj: Any, expected_version: int, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.input_serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        obj = self.created_for_response(self.perform_create_service(serializer.validated_data))
        response = Response(self.serializer_class(obj).data, status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(
            request.path.rstrip("/") + "/{key}/".format(key=getattr(obj, self.lookup_field))
        )
        return self.with_etag(response, obj)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        expected = self.expected_version(request, obj)
        serializer = self.input_serializer_class(
            obj, data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "version"}
        obj = self.perform_update_service(obj, expected, data)
        try:
            obj = self.get_queryset().get(pk=obj.pk)
        except obj.DoesNotExist:
            raise Http404 from None
        return self.with_etag(Response(self.serializer_class(obj).data), obj)
