from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("account/tokens/", views.TokenListView.as_view(), name="token_list"),
    path("account/tokens/<int:pk>/revoke/", views.TokenRevokeView.as_view(), name="token_revoke"),
    path("integrations/", views.IntegrationListView.as_view(), name="integration_list"),
    path(
        "integrations/<int:pk>/", views.IntegrationDetailView.as_view(), name="integration_detail"
    ),
]
