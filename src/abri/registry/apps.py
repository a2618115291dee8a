from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _name_index(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from abri.registry.search import sqlite_name_index_ensure  # noqa: PLC0415 -- models load after the app registry

    sqlite_name_index_ensure(using=using)


class RegistryConfig(AppConfig):
    name = "abri.registry"
    label = "registry"

    def ready(self) -> None:
        # SQLite drops a table's triggers when a migration rebuilds it: put the name index back after each migrate.
        post_migrate.connect(_name_index, sender=self, dispatch_uid="abri.registry.name_index")
