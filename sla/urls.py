from django.urls import path

from sla import views

app_name = "sla"

urlpatterns = [
    path("policies/", views.SlaPolicyListView.as_view(), name="policy_list"),
    path("policies/<int:pk>/", views.SlaPolicyDetailView.as_view(), name="policy_detail"),
]
