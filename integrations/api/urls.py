from rest_framework.routers import DefaultRouter

from integrations.api.views import ApiTokenViewSet

app_name = "integrations-api"

router = DefaultRouter(trailing_slash="/?")
router.include_root_view = False
router.register("tokens", ApiTokenViewSet, basename="apitoken")

urlpatterns = router.urls
