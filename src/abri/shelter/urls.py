from django.urls import path

from abri.shelter import views

app_name = "shelter"
urlpatterns = [
    path("", views.site_list, name="site_list"),
    path("sites/<int:site_id>/", views.site_detail, name="site_detail"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit_detail"),
    path("units/<int:unit_id>/status/", views.unit_status, name="unit_status"),
    path("units/<int:unit_id>/materials/", views.unit_materials, name="unit_materials"),
    path("units/<int:unit_id>/allocation/", views.unit_allocate, name="unit_allocate"),
    path("units/<int:unit_id>/allocation/end/", views.allocation_end_view, name="allocation_end"),
    path("relocations/new/", views.relocation_create, name="relocation_create"),
]
