from django.urls import path

from incidents import views

app_name = "incidents"

NUMBER = "<str:number>"

urlpatterns = [
    path("incidents/", views.IncidentListView.as_view(), name="incident_list"),
    path("incidents/new/", views.IncidentEditView.as_view(), name="incident_create"),
    path("incidents/export.csv", views.IncidentExportView.as_view(), name="incident_export"),
    path("incidents/bulk/", views.IncidentBulkView.as_view(), name="incident_bulk"),
    path(f"incidents/{NUMBER}/", views.IncidentDetailView.as_view(), name="incident_detail"),
    path(f"incidents/{NUMBER}/edit/", views.IncidentEditView.as_view(), name="incident_edit"),
    path(
        f"incidents/{NUMBER}/priority/",
        views.IncidentPriorityView.as_view(),
        name="incident_priority",
    ),
    path(
        f"incidents/{NUMBER}/transitions/<slug:name>/",
        views.IncidentTransitionView.as_view(),
        name="incident_transition",
    ),
    path(f"incidents/{NUMBER}/assign/", views.IncidentAssignView.as_view(), name="incident_assign"),
    path(
        f"incidents/{NUMBER}/comments/",
        views.IncidentCommentView.as_view(),
        name="incident_comment",
    ),
    path(
        f"incidents/{NUMBER}/attachments/",
        views.IncidentAttachmentView.as_view(),
        name="incident_attachment",
    ),
    path(
        f"incidents/{NUMBER}/attachments/<int:pk>/",
        views.IncidentAttachmentDownloadView.as_view(),
        name="incident_attachment_download",
    ),
    path("portal/", views.PortalListView.as_view(), name="portal"),
    path("portal/new/", views.PortalCreateView.as_view(), name="portal_create"),
]
