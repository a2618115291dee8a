from django.urls import path

from abri.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("<int:batch_id>/", views.batch_detail, name="batch_detail"),
    path("<int:batch_id>/commit/", views.batch_commit, name="batch_commit"),
    path("<int:batch_id>/add/", views.batch_add, name="batch_add"),
    path("<int:batch_id>/mapping/", views.batch_remap, name="batch_remap"),
    path("<int:batch_id>/discard/", views.batch_discard_view, name="batch_discard"),
    path("<int:batch_id>/problems.xlsx", views.batch_report_download, name="batch_report"),
    path("kobo/", views.batch_pull_kobo, name="batch_pull_kobo"),
    path("odk/", views.batch_pull_odk, name="batch_pull_odk"),
    path("mappings/", views.mapping_list, name="mapping_list"),
]
