from rest_framework.routers import DefaultRouter

from problems.api.views import KnownErrorViewSet, ProblemViewSet, SuggestionViewSet

app_name = "problems-api"

router = DefaultRouter(trailing_slash="/?")
router.include_root_view = False
router.register("problems", ProblemViewSet, basename="problem")
router.register("known-errors", KnownErrorViewSet, basename="knownerror")
router.register("suggested-problems", SuggestionViewSet, basename="suggestedproblem")

urlpatterns = router.urls
