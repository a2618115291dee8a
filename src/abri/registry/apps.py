from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "abri.registry"
    label = "registry"
