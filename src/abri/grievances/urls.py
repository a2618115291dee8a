from django.urls import path

from abri.grievances import views

app_name = "grievances"
urlpatterns = [
    path("", views.grievance_list_view, name="grievance_list"),
    path("new/", views.grievance_create, name="grievance_create"),
    path("<int:grievance_id>/", views.grievance_detail, name="grievance_detail"),
    path("<int:grievance_id>/review/", views.grievance_review_view, name="grievance_review"),
    path("<int:grievance_id>/answer/", views.grievance_answer_view, name="grievance_answer"),
    path("<int:grievance_id>/close/", views.grievance_close_view, name="grievance_close"),
    path("<int:grievance_id>/refer/", views.grievance_refer_view, name="grievance_refer"),
]
