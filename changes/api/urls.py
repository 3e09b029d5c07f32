from rest_framework.routers import DefaultRouter

from changes.api.views import ChangeTemplateViewSet, ChangeViewSet, FreezeWindowViewSet

app_name = "changes-api"

router = DefaultRouter(trailing_slash="/?")
router.include_root_view = False
router.register("changes", ChangeViewSet, basename="change")
router.register("change-templates", ChangeTemplateViewSet, basename="changetemplate")
router.register("freeze-windows", FreezeWindowViewSet, basename="freezewindow")

urlpatterns = router.urls
