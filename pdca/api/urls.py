from django.urls import path
from rest_framework.routers import DefaultRouter

from pdca.api.views import (
    CycleViewSet,
    GoalViewSet,
    ImprovementActionViewSet,
    KpiView,
    RecordCycleView,
    ReviewViewSet,
    StrategicItemViewSet,
    StrategyViewSet,
)

app_name = "pdca-api"

router = DefaultRouter(trailing_slash="/?")
router.include_root_view = False
router.register("strategies", StrategyViewSet, basename="strategy")
router.register("cycles", CycleViewSet, basename="cycle")
router.register("goals", GoalViewSet, basename="goal")
router.register("reviews", ReviewViewSet, basename="review")
router.register("improvement-actions", ImprovementActionViewSet, basename="improvementaction")
router.register("strategic-items", StrategicItemViewSet, basename="strategicitem")

urlpatterns = [
    path("kpis/", KpiView.as_view(), name="kpi"),
    path("record-cycles/", RecordCycleView.as_view(), name="record-cycle"),
    *router.urls,
]
