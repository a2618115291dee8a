from django.urls import path

from abri.reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.activity_list, name="activity_list"),
    path("5w.csv", views.activity_csv, name="activity_csv"),
    path("5w.xlsx", views.activity_xlsx, name="activity_xlsx"),
    path("indicators.csv", views.indicator_csv, name="indicator_csv"),
    path("indicators.xlsx", views.indicator_xlsx, name="indicator_xlsx"),
    path("microdata.xlsx", views.microdata_xlsx, name="microdata_xlsx"),
    path("import/", views.activity_import, name="activity_import"),
    path("dashboard/", views.operation_dashboard, name="dashboard"),
    path("sitrep.pdf", views.situation_report, name="situation_report"),
]
