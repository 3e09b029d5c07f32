from rest_framework.routers import DefaultRouter

from incidents.api.views import IncidentViewSet

app_name = "incidents-api"

router = DefaultRouter(trailing_slash="/?")
router.include_root_view = False
router.register("incidents", IncidentViewSet, basename="incident")

urlpatterns = router.urls
