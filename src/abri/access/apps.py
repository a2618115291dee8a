from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "abri.access"
    label = "access"
