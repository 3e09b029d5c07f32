from django.urls import path
from rest_framework.routers import DefaultRouter

from integrations.api.views import AlertmanagerWebhookView, ApiTokenViewSet, EventWebhookView

app_name = "integrations-api"

router = DefaultRouter(trailing_slash="/?")
router.include_root_view = False
router.register("tokens", ApiTokenViewSet, basename="apitoken")

urlpatterns = [
    path("integrations/alertmanager/", AlertmanagerWebhookView.as_view(), name="alertmanager"),
    path("integrations/events/", EventWebhookView.as_view(), name="events"),
    *router.urls,
]
