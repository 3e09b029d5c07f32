from rest_framework.routers import DefaultRouter

from catalog.api.views import ConfigurationItemViewSet, ServiceViewSet, SupportGroupViewSet

app_name = "catalog-api"

router = DefaultRouter(trailing_slash="/?")
router.include_root_view = False
router.register("services", ServiceViewSet, basename="service")
router.register("cis", ConfigurationItemViewSet, basename="ci")
router.register("support-groups", SupportGroupViewSet, basename="supportgroup")

urlpatterns = router.urls
