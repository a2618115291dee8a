"""`abri purge-lists`: the former name of `abri purge-partner-lists`, kept for existing cron jobs."""

from importlib import import_module

_purge = import_module("abri.dedup.management.commands.purge-partner-lists")


class Command(_purge.Command):  # type: ignore[name-defined]  # a module named after the command, seen by import_module only
    help = f"Former name of purge-partner-lists. {_purge.Command.help}"
