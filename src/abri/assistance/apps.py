from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "abri.assistance"
    label = "assistance"
