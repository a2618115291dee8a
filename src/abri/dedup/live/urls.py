from django.urls import path

from abri.dedup.live import views

# Mounted under /households/: the register form posts here while a clerk types.
app_name = "live"
urlpatterns = [
    path("-/live-check/", views.household_live_check, name="household_live_check"),
]
