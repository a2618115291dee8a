from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "abri.intake"
    label = "intake"
