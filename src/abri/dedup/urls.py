from django.urls import path

from abri.dedup import views

app_name = "dedup"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("runs/", views.run_start, name="run_start"),
    path("queue/", views.queue, name="queue"),
    path("clusters/", views.clusters, name="clusters"),
    path("pairs/<int:candidate_id>/", views.pair_detail, name="pair_detail"),
]
