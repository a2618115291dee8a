from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The home page: what the user may see, counted. It reads the other apps; none reads it."""

    name = "abri.dashboard"
    label = "dashboard"
