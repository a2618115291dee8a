from django.urls import path

from abri.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.household_list_view, name="household_list"),
    path("new/", views.household_create_view, name="household_create"),
    path("-/location/", views.location_fields, name="location_fields"),
    path("<str:reference>/", views.household_detail, name="household_detail"),
    path("<str:reference>/edit/", views.household_edit, name="household_edit"),
    path("<str:reference>/erase/", views.household_erase_view, name="household_erase"),
]
