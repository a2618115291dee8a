from django.urls import path

from abri.dedup.merges import views

# Mounted under /households/ beside the registry's pages: a merge is reached from a household.
app_name = "merges"
urlpatterns = [
    path("<str:reference>/merge/", views.household_merge_view, name="household_merge"),
    path("<str:reference>/merges/<int:merge_id>/undo/", views.household_merge_undo_view, name="household_merge_undo"),
]
