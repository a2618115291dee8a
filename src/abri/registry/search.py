"""Finding members by name: every word of the search inside the folded name, accents ignored.

- PostgreSQL: ``search_name LIKE '%word%'``, served by the trigram index (migration 0003).
- SQLite: an FTS5 table with the trigram tokenizer over ``search_name``
  (``registry_individual_name_fts``), kept in step with the members by triggers. It finds the
  same members as ``LIKE '%word%'`` for words of three letters or more; shorter words, which no
  trigram holds, are checked with ``LIKE`` on the members the longer words found.

SQLite rebuilds a table when a migration alters it, dropping its triggers: after every
``migrate``, :func:`sqlite_name_index_ensure` puts back what is missing and refills the index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from abri.registry.models import Individual

FTS = "registry_individual_name_fts"
TRIGRAM = 3
# Written out whole (no string building): each statement is fixed SQL.
_CREATE = (
    "CREATE VIRTUAL TABLE registry_individual_name_fts USING fts5("
    "search_name, content='registry_individual', content_rowid='id', tokenize='trigram')"
)
_REBUILD = "INSERT INTO registry_individual_name_fts(registry_individual_name_fts) VALUES ('rebuild')"
_MATCH = "SELECT rowid FROM registry_individual_name_fts WHERE registry_individual_name_fts MATCH %s"
_TRIGGERS = {
    "registry_individual_name_fts_insert": """
        CREATE TRIGGER registry_individual_name_fts_insert AFTER INSERT ON registry_individual BEGIN
            INSERT INTO registry_individual_name_fts(rowid, search_name) VALUES (new.id, new.search_name);
        END""",
    "registry_individual_name_fts_delete": """
        CREATE TRIGGER registry_individual_name_fts_delete AFTER DELETE ON registry_individual BEGIN
            INSERT INTO registry_individual_name_fts(registry_individual_name_fts, rowid, search_name)
            VALUES ('delete', old.id, old.search_name);
        END""",
    "registry_individual_name_fts_update": """
        CREATE TRIGGER registry_individual_name_fts_update AFTER UPDATE OF search_name ON registry_individual BEGIN
            INSERT INTO registry_individual_name_fts(registry_individual_name_fts, rowid, search_name)
            VALUES ('delete', old.id, old.search_name);
            INSERT INTO registry_individual_name_fts(rowid, search_name) VALUES (new.id, new.search_name);
        END""",
}
_PRESENT = "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE %s"


def members_named(words: Sequence[str]) -> QuerySet[Individual]:
    """The members whose folded name holds every one of ``words`` (already folded)."""
    members = Individual.objects.all()
    longest_first = sorted(words, key=len, reverse=True)  # the longest word narrows an index best
    if connection.vendor == "sqlite":
        indexed = [word for word in longest_first if len(word) >= TRIGRAM]
        if indexed:
            match = " AND ".join('"' + word.replace('"', '""') + '"' for word in indexed)
            found = RawSQL(_MATCH, [match])  # noqa: S611 -- fixed SQL, the words bound as a parameter  # nosec B611
            members = members.filter(pk__in=found)
        longest_first = [word for word in longest_first if len(word) < TRIGRAM]
    for word in longest_first:
        members = members.filter(search_name__contains=word)
    return members


FEW = 2000  # households: up to this many, the ids found are read once and passed as a list


def households_named(words: Sequence[str]) -> QuerySet[Any, Any] | list[int]:
    """The ids of the households with a member named by every one of ``words`` (already folded).

    On SQLite a page counts, lists and loads its households in three queries, and each would
    search the name index again: when the index finds few households (a person's name), their
    ids are read once and the three queries take them as a list.
    """
    households = members_named(words).values("household_id")
    if connection.vendor == "sqlite":
        found = list(households.values_list("household_id", flat=True).order_by().distinct()[: FEW + 1])
        if len(found) <= FEW:
            return found
    return households


def sqlite_name_index_ensure(*, using: Any = None) -> bool:
    """On SQLite, create the name index and its triggers where missing (and refill it then); returns
    whether anything was created. Does nothing on other databases."""
    target = connections[using or "default"]
    if target.vendor != "sqlite":
        return False
    with target.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE %s", [f"{FTS}%"]
        )
        present = {row[0] for row in cursor.fetchall()}
        missing = [name for name in _TRIGGERS if name not in present]
        if FTS in present and not missing:
            return False
        if FTS not in present:
            cursor.execute(_CREATE)
        for name in missing:
            cursor.execute(_TRIGGERS[name])
        cursor.execute(_REBUILD)
    return True


def sqlite_name_index_drop(*, using: Any = None) -> None:
    target = connections[using or "default"]
    if target.vendor != "sqlite":
        return
    with target.cursor() as cursor:
        for statement in (
            "DROP TRIGGER IF EXISTS registry_individual_name_fts_insert",
            "DROP TRIGGER IF EXISTS registry_individual_name_fts_delete",
            "DROP TRIGGER IF EXISTS registry_individual_name_fts_update",
            "DROP TABLE IF EXISTS registry_individual_name_fts",
        ):
            cursor.execute(statement)
