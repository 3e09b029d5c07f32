"""URL map: the UI per app, the REST API under /api/v1/, health probes, admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import views as core_views
from core.api.views import api_not_found
from integrations.tmf621.urls import alias_urlpatterns as tmf621_alias
from integrations.tmf621.views import tmf_not_found
from itsm.views import HomeView

api_v1 = [
    path("", include("catalog.api.urls")),
    path("", include("sla.api.urls")),
    path("", include("incidents.api.urls")),
    path("", include("problems.api.urls")),
    path("", include("changes.api.urls")),
    path("", include("pdca.api.urls")),
    path("", include("integrations.api.urls")),
]

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("", include("core.urls")),
    path("", include("incidents.urls")),
    path("", include("problems.urls")),
    path("", include("changes.urls")),
    path("", include("pdca.urls")),
    path("", include("integrations.urls")),
    path("catalog/", include("catalog.urls")),
    path("sla/", include("sla.urls")),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    re_path(r"^api/", api_not_found),
    path("tmf-api/troubleTicketManagement/v4/", include("integrations.tmf621.urls")),
    path("tmf-api/troubleTicket/v4/", include(tmf621_alias)),
    re_path(r"^tmf-api/", tmf_not_found),
]

handler404 = "core.views.page_not_found"
