from django.apps import AppConfig


class CoreConfig(AppConfig):
    verbose_name = "Abri core"
    name = "abri.core"
    label = "core"
