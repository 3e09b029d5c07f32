from django.urls import path

from pdca import views

app_name = "pdca"

NUMBER = "<str:number>"

urlpatterns = [
    path("pdca/", views.DashboardView.as_view(), name="dashboard"),
    path("pdca/cycles/<int:pk>/review/", views.ReviewNowView.as_view(), name="review_now"),
    path("pdca/cycles/<int:pk>/", views.DashboardView.as_view(), name="cycle_detail"),
    path("pdca/cycles/<int:pk>/records/", views.CycleLinkRecordView.as_view(), name="cycle_link"),
    path("pdca/cycles/", views.CycleListView.as_view(), name="cycle_list"),
    path("pdca/cycles/add/", views.CycleEditView.as_view(), name="cycle_create"),
    path("pdca/cycles/<int:pk>/edit/", views.CycleEditView.as_view(), name="cycle_edit"),
    path("pdca/strategies/", views.StrategyListView.as_view(), name="strategy_list"),
    path("pdca/strategies/add/", views.StrategyEditView.as_view(), name="strategy_create"),
    path("pdca/strategies/<int:pk>/edit/", views.StrategyEditView.as_view(), name="strategy_edit"),
    path("pdca/goals/", views.GoalListView.as_view(), name="goal_list"),
    path("pdca/goals/add/", views.GoalEditView.as_view(), name="goal_create"),
    path("pdca/goals/<int:pk>/", views.GoalDetailView.as_view(), name="goal_detail"),
    path("pdca/goals/<int:pk>/edit/", views.GoalEditView.as_view(), name="goal_edit"),
    path("pdca/goals/<int:pk>/records/", views.GoalRecordsView.as_view(), name="goal_records"),
    path("pdca/services/<int:pk>/", views.ServiceView.as_view(), name="service_view"),
    path("pdca/reviews/<int:pk>/", views.ReviewPrintView.as_view(), name="review_print"),
    path("pdca/actions/", views.ActionListView.as_view(), name="action_list"),
    path("pdca/actions/add/", views.ActionEditView.as_view(), name="action_create"),
    path("pdca/actions/<int:pk>/", views.ActionDetailView.as_view(), name="action_detail"),
    path("pdca/actions/<int:pk>/edit/", views.ActionEditView.as_view(), name="action_edit"),
    path("pdca/strategic/", views.StrategicListView.as_view(), name="strategic_list"),
    path("pdca/strategic/raise/", views.StrategicRaiseView.as_view(), name="strategic_raise"),
    path("pdca/strategic/<int:pk>/", views.StrategicDetailView.as_view(), name="strategic_detail"),
    path(
        "pdca/strategic/<int:pk>/decide/",
        views.StrategicDecideView.as_view(),
        name="strategic_decide",
    ),
    path(
        f"pdca/incidents/{NUMBER}/strategic/",
        views.IncidentTriageView.as_view(),
        name="incident_triage",
    ),
    path(
        f"pdca/incidents/{NUMBER}/cycle/", views.IncidentCycleView.as_view(), name="incident_cycle"
    ),
]
