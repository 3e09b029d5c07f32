from django.urls import path

from pdca import views

app_name = "pdca"

urlpatterns = [
    path("pdca/", views.DashboardView.as_view(), name="dashboard"),
    path("pdca/cycles/<int:pk>/review/", views.ReviewNowView.as_view(), name="review_now"),
    path("pdca/cycles/<int:pk>/", views.DashboardView.as_view(), name="cycle_detail"),
]
