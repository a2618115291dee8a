"""Partner-list pages under /lists/: runs are named by an opaque uuid, never by anything in the lists."""

from django.urls import path

from abri.dedup.lists import views

app_name = "lists"
urlpatterns = [
    path("", views.list_home, name="home"),
    path("<uuid:run_uuid>/", views.list_detail, name="detail"),
    path("<uuid:run_uuid>/map/", views.list_map, name="map"),
    path("<uuid:run_uuid>/pairs.csv", views.list_download_pairs, name="pairs"),
    path("<uuid:run_uuid>/clusters.csv", views.list_download_clusters, name="clusters"),
    path("<uuid:run_uuid>/delete/", views.list_delete, name="delete"),
]
