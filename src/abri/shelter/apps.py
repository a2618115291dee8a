from django.apps import AppConfig


class ShelterConfig(AppConfig):
    name = "abri.shelter"
    label = "shelter"
    verbose_name = "Abri shelter"
