"""The `abri` console script: the project's manage.py."""

import os
import sys


def main() -> None:
    """Run a Django management command with Abri's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abri.config.settings")
    from django.core.management import execute_from_command_line  # noqa: PLC0415 -- settings must be chosen first

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
