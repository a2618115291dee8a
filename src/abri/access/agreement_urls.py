from django.urls import path

from abri.access import agreement_views

app_name = "agreements"
urlpatterns = [
    path("", agreement_views.agreement_list, name="agreement_list"),
    path("new/", agreement_views.agreement_create_view, name="agreement_create"),
    path("<int:agreement_id>/", agreement_views.agreement_detail, name="agreement_detail"),
    path("<int:agreement_id>/revoke/", agreement_views.agreement_revoke_view, name="agreement_revoke"),
]
