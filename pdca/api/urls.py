from django.urls import path

from pdca.api.views import KpiView

app_name = "pdca-api"

urlpatterns = [path("kpis/", KpiView.as_view(), name="kpi")]
