from django.urls import path

from abri.grievances import views

app_name = "grievances"
urlpatterns = [
    path("", views.grievance_list_view, name="grievance_list"),
    path("<int:grievance_id>/", views.grievance_detail, name="grievance_detail"),
]
