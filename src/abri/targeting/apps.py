from django.apps import AppConfig


class TargetingConfig(AppConfig):
    name = "abri.targeting"
    label = "targeting"
