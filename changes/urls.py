from django.urls import path

from changes import views

app_name = "changes"
NUMBER = "<str:number>"

urlpatterns = [
    path("changes/", views.ChangeListView.as_view(), name="change_list"),
    path("changes/new/", views.ChangeEditView.as_view(), name="change_create"),
    path("changes/approvals/", views.ApprovalQueueView.as_view(), name="approval_list"),
    path("changes/calendar/", views.ChangeCalendarView.as_view(), name="calendar"),
    path(
        "changes/calendar/<str:token>.ics", views.CalendarFeedView.as_view(), name="calendar_feed"
    ),
    path(
        "changes/calendar/reset-address/",
        views.CalendarFeedResetView.as_view(),
        name="calendar_feed_reset",
    ),
    path("changes/freezes/", views.FreezeWindowView.as_view(), name="freeze_list"),
    path("changes/templates/", views.TemplateListView.as_view(), name="template_list"),
    path(
        "changes/templates/<int:pk>/retire/",
        views.TemplateRetireView.as_view(),
        name="template_retire",
    ),
    path(
        "changes/caused-incident/<str:incident>/",
        views.IncidentCausedByView.as_view(),
        name="incident_caused_by",
    ),
    path(f"changes/{NUMBER}/", views.ChangeDetailView.as_view(), name="change_detail"),
    path(f"changes/{NUMBER}/edit/", views.ChangeEditView.as_view(), name="change_edit"),
    path(
        f"changes/{NUMBER}/transitions/<slug:name>/",
        views.ChangeTransitionView.as_view(),
        name="change_transition",
    ),
    path(
        f"changes/{NUMBER}/caused/", views.ChangeCausedIncidentView.as_view(), name="change_caused"
    ),
    path(
        f"changes/{NUMBER}/decision/<str:decision>/",
        views.ChangeDecisionView.as_view(),
        name="change_decide",
    ),
]
