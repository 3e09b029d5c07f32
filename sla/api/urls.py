from rest_framework.routers import DefaultRouter

from sla.api.views import SlaPolicyViewSet

app_name = "sla-api"

router = DefaultRouter(trailing_slash="/?")
router.include_root_view = False
router.register("sla-policies", SlaPolicyViewSet, basename="slapolicy")

urlpatterns = router.urls
