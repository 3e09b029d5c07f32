"""TMF621 routes, mounted under both /tmf-api/troubleTicketManagement/v4/ and the
specification's basePath /tmf-api/troubleTicket/v4/ (see itsm/urls.py)."""

from django.urls import re_path

from integrations.tmf621 import views

app_name = "tmf621"

urlpatterns = [
    re_path(r"^troubleTicket/?$", views.TroubleTicketListView.as_view(), name="troubleticket-list"),
    re_path(
        r"^troubleTicket/(?P<number>[A-Za-z]{3}\d{7})/?$",
        views.TroubleTicketDetailView.as_view(),
        name="troubleticket-detail",
    ),
]

# The same views at the swagger file's basePath, unnamed (reverse() gives the main address).
alias_urlpatterns = [
    re_path(r"^troubleTicket/?$", views.TroubleTicketListView.as_view()),
    re_path(
        r"^troubleTicket/(?P<number>[A-Za-z]{3}\d{7})/?$", views.TroubleTicketDetailView.as_view()
    ),
]
