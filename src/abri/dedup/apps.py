import os
from pathlib import Path

from django.apps import AppConfig


class DedupConfig(AppConfig):
    name = "abri.dedup"
    label = "dedup"

    def ready(self) -> None:
        # Imported here, once the models are loaded: household merges keep candidate pairs in step.
        from abri.dedup.merges.services import merge_participant_register  # noqa: PLC0415 -- needs the app registry ready
        from abri.dedup.services import MERGE_PARTICIPANT  # noqa: PLC0415 -- needs the app registry ready

        merge_participant_register(MERGE_PARTICIPANT)

        # Uploaded partner lists and what was found in them are encrypted under the field key.
        from abri.core import crypto  # noqa: PLC0415 -- needs the app registry ready
        from abri.core.key_rotation import file_store, store_register  # noqa: PLC0415 -- needs the app registry ready
        from abri.dedup.lists import storage  # noqa: PLC0415 -- needs the app registry ready

        def readable(path: Path) -> bool:
            try:
                crypto.decrypt_bytes(path.read_bytes())
            except crypto.FieldKeyError:
                return False
            return True

        def rewrite(path: Path) -> None:
            temporary = path.with_name(f"{path.name}.tmp")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(crypto.reencrypt_bytes(path.read_bytes()))
            temporary.replace(path)

        store_register(
            file_store(
                "partner lists",
                storage.lists_root,
                pattern="*.enc",
                current=lambda path: crypto.bytes_under_current_key(path.read_bytes()),
                readable=readable,
                rewrite=rewrite,
            )
        )
