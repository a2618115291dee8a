from django.urls import path

from abri.access import audit_views

app_name = "audit"
urlpatterns = [
    path("", audit_views.audit_log, name="audit_log"),
]
