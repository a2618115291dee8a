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
        # Phone and identity numbers are encrypted under the field key: `abri rotate-key` rewrites them.
        from abri.core.key_rotation import column_store, store_register  # noqa: PLC0415 -- needs the app registry ready
        from abri.registry.models import Household, Individual  # noqa: PLC0415 -- needs the app registry ready

        store_register(
            column_store(
                "household phones", Household, encrypted="phone_encrypted", hashed="phone_hash", purpose="phone"
            )
        )
        store_register(
            column_store(
                "identity numbers",
                Individual,
                encrypted="id_number_encrypted",
                hashed="id_number_hash",
                purpose="id_number",
            )
        )
