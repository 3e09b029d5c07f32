from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("services/", views.ServiceListView.as_view(), name="service_list"),
    path("services/add/", views.ServiceEditView.as_view(), name="service_create"),
    path("services/<int:pk>/", views.ServiceDetailView.as_view(), name="service_detail"),
    path("services/<int:pk>/edit/", views.ServiceEditView.as_view(), name="service_edit"),
    path("cis/", views.CiListView.as_view(), name="ci_list"),
    path("cis/add/", views.CiEditView.as_view(), name="ci_create"),
    path("cis/<int:pk>/", views.CiDetailView.as_view(), name="ci_detail"),
    path("cis/<int:pk>/edit/", views.CiEditView.as_view(), name="ci_edit"),
    path("groups/", views.SupportGroupListView.as_view(), name="supportgroup_list"),
    path("groups/add/", views.SupportGroupEditView.as_view(), name="supportgroup_create"),
    path("groups/<int:pk>/", views.SupportGroupDetailView.as_view(), name="supportgroup_detail"),
    path("groups/<int:pk>/edit/", views.SupportGroupEditView.as_view(), name="supportgroup_edit"),
    path("export/<slug:kind>.csv", views.CatalogExportView.as_view(), name="catalog_export"),
    path("import/", views.CatalogImportView.as_view(), name="catalog_import"),
]
