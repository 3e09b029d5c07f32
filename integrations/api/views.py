"""Integration API: API tokens (list, create — the secret shown once — and revoke)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.schema import IDEMPOTENCY_KEY, RULE_RESPONSES
from integrations import selectors, services
from integrations.api import serializers as s
from integrations.api.authentication import TokenScopePermission


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your personal API tokens; managers also see and manage integration tokens. DELETE
    revokes a token (it stays listed as revoked)."""

    serializer_class = s.ApiTokenSerializer
    permission_classes = [IsAuthenticated, TokenScopePermission]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.tokens_visible(actor=self.request.user)

    @extend_schema(
        request=s.ApiTokenInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.ApiTokenCreatedSerializer, **RULE_RESPONSES},
    )
    def create(self, request, *args, **kwargs):
        serializer = s.ApiTokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, plain = services.token_create(actor=request.user, **serializer.validated_data)
        token.token = plain
        return Response(s.ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.token_revoke(actor=request.user, token_id=self.get_object().pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
