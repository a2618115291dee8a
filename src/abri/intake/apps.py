from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


def _imports_root() -> Path:
    return Path(settings.DATA_DIR) / "imports"


class IntakeConfig(AppConfig):
    name = "abri.intake"
    label = "intake"

    def ready(self) -> None:
        # Staged import files and the credentials kept for a pull are encrypted under the field key.
        from abri.core import crypto  # noqa: PLC0415 -- needs the app registry ready
        from abri.core.key_rotation import file_store, store_register  # noqa: PLC0415 -- needs the app registry ready
        from abri.intake import staging  # noqa: PLC0415 -- needs the app registry ready

        def secret_current(path: Path) -> bool:
            return path.read_text().startswith(crypto.current_prefix())

        def secret_readable(path: Path) -> bool:
            return crypto.readable(path.read_text()) is not None

        def secret_rewrite(path: Path) -> None:
            temporary = path.with_suffix(".tmp")
            temporary.write_text(crypto.encrypt(crypto.decrypt(path.read_text())))
            temporary.chmod(0o600)
            temporary.replace(path)

        store_register(
            file_store(
                "staged import files",
                _imports_root,
                pattern="*",
                current=lambda path: (
                    path.suffix in {".secret", ".tmp"}
                    or not staging.is_encrypted(path)
                    or staging.under_current_key(path)
                ),
                readable=staging.readable,
                rewrite=staging.reencrypt,
            )
        )
        store_register(
            file_store(
                "import credentials",
                _imports_root,
                pattern="*.secret",
                current=secret_current,
                readable=secret_readable,
                rewrite=secret_rewrite,
            )
        )
