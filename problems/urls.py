from django.urls import path

from problems import views

app_name = "problems"
NUMBER = "<str:number>"
INCIDENT = "<str:incident>"

urlpatterns = [
    path("problems/", views.ProblemListView.as_view(), name="problem_list"),
    path("problems/new/", views.ProblemEditView.as_view(), name="problem_create"),
    path("problems/known-errors/", views.KnownErrorListView.as_view(), name="known_error_list"),
    path("problems/suggestions/", views.SuggestionListView.as_view(), name="suggestion_list"),
    path(
        "problems/known-errors/hint/", views.KnownErrorHintView.as_view(), name="known_error_hint"
    ),
    path(
        "problems/suggestions/<int:pk>/<str:decision>/",
        views.SuggestionDecideView.as_view(),
        name="suggestion_decide",
    ),
    path(f"problems/{NUMBER}/", views.ProblemDetailView.as_view(), name="problem_detail"),
    path(f"problems/{NUMBER}/edit/", views.ProblemEditView.as_view(), name="problem_edit"),
    path(
        f"problems/{NUMBER}/transitions/<slug:name>/",
        views.ProblemTransitionView.as_view(),
        name="problem_transition",
    ),
    path(f"problems/{NUMBER}/link/", views.ProblemLinkView.as_view(), name="problem_link"),
    path(
        f"problems/{NUMBER}/unlink/{INCIDENT}/",
        views.ProblemUnlinkView.as_view(),
        name="problem_unlink",
    ),
    path(
        f"problems/{NUMBER}/comments/", views.ProblemCommentView.as_view(), name="problem_comment"
    ),
    path(
        f"problems/{NUMBER}/apply/{INCIDENT}/",
        views.ApplyWorkaroundView.as_view(),
        name="known_error_apply",
    ),
    path(
        f"problems/from-incident/{INCIDENT}/",
        views.ProblemFromIncidentView.as_view(),
        name="problem_from_incident",
    ),
    path(
        f"problems/link-incident/{INCIDENT}/",
        views.IncidentLinkProblemView.as_view(),
        name="incident_link_problem",
    ),
]
