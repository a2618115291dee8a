from django.urls import path

from abri.targeting import views

app_name = "targeting"
urlpatterns = [
    path("", views.plan_list_view, name="plan_list"),
    path("new/", views.plan_create_view, name="plan_create"),
    path("<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("<int:plan_id>/criteria/", views.plan_criteria_edit, name="plan_criteria"),
    path("<int:plan_id>/members/", views.plan_member_add, name="plan_member_add"),
    path("<int:plan_id>/sessions/", views.plan_session_open, name="plan_session_open"),
    path("<int:plan_id>/run/", views.plan_run_view, name="plan_run"),
    path("<int:plan_id>/what-if/", views.plan_what_if, name="plan_what_if"),
    path("<int:plan_id>/sessions/<int:session_id>/", views.session_detail, name="session_detail"),
    path("<int:plan_id>/sessions/<int:session_id>/decide/", views.session_decide, name="session_decide"),
    path("<int:plan_id>/sessions/<int:session_id>/confirm/", views.session_confirm, name="session_confirm"),
    path("<int:plan_id>/sessions/<int:session_id>/validate/", views.session_validate, name="session_validate"),
    path("<int:plan_id>/sessions/<int:session_id>/publish/", views.session_publish_view, name="session_publish"),
    path("lists/<int:list_id>/", views.list_detail, name="list_detail"),
    path("lists/<int:list_id>/list.pdf", views.list_pdf, name="list_pdf"),
    path("lists/<int:list_id>/list.xlsx", views.list_xlsx, name="list_xlsx"),
]
