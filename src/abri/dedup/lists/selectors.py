"""Reads for the partner-list pages: a user's own runs, the columns to map, the pairs found.

A run is visible to the person who uploaded its lists, and only while they hold
`dedup.dedupe_files`; anyone else gets "not found", exactly like a run that does not exist.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db.models import QuerySet
from django.utils import timezone

from abri.access.roles import DEDUPE_FILES
from abri.access.selectors import AnyUser, user_has_permission
from abri.core.errors import NotFound
from abri.dedup.files import Table, read_table
from abri.dedup.lists import storage
from abri.dedup.models import ListRun

# Column names partners use for each known field, accents, case, spaces and signs removed.
_NAMES: dict[str, tuple[str, ...]] = {
    "given_name": ("prenom", "prenoms", "givenname", "givennames", "firstname", "first", "given"),
    "family_name": ("nomdefamille", "familyname", "lastname", "surname", "family", "last", "patronyme"),
    "full_name": (
        "nomcomplet",
        "fullname",
        "name",
        "nometprenom",
        "nometprenoms",
        "nomprenom",
        "nomprenoms",
        "nomsetprenoms",
        "beneficiaire",
        "nomdubeneficiaire",
    ),
    "sex": ("sexe", "sex", "genre", "gender"),
    "birth_date": ("datedenaissance", "datenaissance", "naissance", "dob", "birthdate", "dateofbirth", "ddn", "birth"),
    "birth_year": ("anneedenaissance", "anneenaissance", "birthyear", "yearofbirth", "annee"),
    "age": ("age", "ageans", "ageenannees", "ageyears"),
    "phone": ("telephone", "tel", "phone", "phonenumber", "mobile", "portable", "numerodetelephone", "contact"),
    "id_number": (
        "cni",
        "nina",
        "idnumber",
        "numerodepiece",
        "numeropiece",
        "piece",
        "pieceidentite",
        "numerocni",
        "nationalid",
    ),
    "location": (
        "commune",
        "codecommune",
        "localite",
        "location",
        "village",
        "lieu",
        "pcode",
        "admin3",
        "admin3pcode",
        "quartier",
    ),
    "household_id": ("menage", "idmenage", "codemenage", "numeromenage", "household", "householdid", "hhid", "foyer"),
}
# Prefixes that say enough on their own ("Prénom du chef", "Téléphone 1", "Sexe (M/F)").
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("prenom", "given_name"),
    ("nomdefamille", "family_name"),
    ("telephone", "phone"),
    ("tel", "phone"),
    ("sexe", "sex"),
    ("datedenaissance", "birth_date"),
    ("anneedenaissance", "birth_year"),
    ("menage", "household_id"),
    ("household", "household_id"),
)
_ID_NAMES = ("id", "identifiant", "code", "numero", "no", "n", "uuid", "key", "ref", "reference", "numeroordre")


def _plain(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return re.sub(r"[^a-z0-9]", "", "".join(char for char in decomposed if not unicodedata.combining(char)))


def _by_name(plain: dict[str, str]) -> dict[str, str]:
    """Known fields from whole column names, then from telling prefixes; each field from one column."""
    roles: dict[str, str] = {}
    for column, name in plain.items():
        known = next((known for known, names in _NAMES.items() if name in names), None)
        if known and known not in roles.values():
            roles[column] = known
    for column, name in plain.items():
        known = next((known for prefix, known in _PREFIXES if name.startswith(prefix)), None)
        if column not in roles and known and known not in roles.values():
            roles[column] = known
    # "Nom" is the family name beside a "Prénom" column, and the whole name without one.
    for column, name in plain.items():
        known = "family_name" if "given_name" in roles.values() else "full_name"
        if column not in roles and name in {"nom", "noms"} and known not in roles.values():
            roles[column] = known
    return roles


def guess_roles(frame: pl.DataFrame) -> dict[str, str]:
    """A first guess at each column's role (a known field, or "id"), from its name: "Prénom" → given_name."""
    plain = {column: _plain(column) for column in frame.columns}
    roles = _by_name(plain)
    for column, name in plain.items():
        values = frame[column]
        if column not in roles and name in _ID_NAMES and values.null_count() == 0 and values.is_unique().all():
            roles[column] = "id"
            break
    return roles


@dataclass
class ColumnPreview:
    """One column of the first list: its name, a few values, the role guessed for it."""

    name: str
    samples: list[str]
    guess: str = ""
    missing_in: list[str] = field(default_factory=list)


def column_previews(tables: list[tuple[str, Table]]) -> list[ColumnPreview]:
    """The first list's columns with three distinct values each and a guessed role.

    When linking, columns the second list lacks are named: both lists must use the same names.
    """
    _name, first = tables[0]
    roles = guess_roles(first.frame)
    previews = []
    for column in first.frame.columns:
        values = first.frame[column].drop_nulls().unique(maintain_order=True).head(3).to_list()
        missing = [name for name, table in tables[1:] if column not in table.frame.columns]
        previews.append(ColumnPreview(name=column, samples=values, guess=roles.get(column, ""), missing_in=missing))
    return previews


def list_run_tables(*, run: ListRun) -> list[tuple[str, Table]]:
    """The run's lists as read from their encrypted copies, with their names."""
    with storage.plain_sources(run) as paths:
        return [(path.name, read_table(path)) for path in paths]


def list_runs_for_user(*, user: AnyUser) -> QuerySet[ListRun]:
    """The runs the user uploaded and still kept (none without `dedup.dedupe_files`), newest first.

    A run past its retention is gone for its owner at once, though its rows and files wait for
    the daily `abri purge-partner-lists` (pages do not write on GET).
    """
    if not user.is_authenticated or not user_has_permission(user=user, permission=DEDUPE_FILES):
        return ListRun.objects.none()
    return ListRun.objects.filter(owner=user, expires_at__gt=timezone.now())


def list_run_get_for_user(*, user: AnyUser, run_uuid: uuid.UUID) -> ListRun:
    """One of the user's runs, or NotFound (also for someone else's run)."""
    run = list_runs_for_user(user=user).filter(uuid=run_uuid).first()
    if run is None:
        raise NotFound("list run")
    return run


@dataclass
class ShownPair:
    """A pair as the results page lists it: ids, probability, evidence per field, both records' values."""

    id_a: str
    id_b: str
    probability: float
    evidence: list[dict[str, Any]]
    values: list[tuple[str, str, str]]  # (column, value in record a, value in record b)


def list_run_pairs(*, run: ListRun, offset: int, limit: int) -> list[ShownPair]:
    """The run's pairs, most likely first, from ``offset``."""
    frame = storage.read_frame(run, storage.SHOWN)
    if frame is None:
        return []
    fields = run.options.get("evidence", [])
    columns = [name.removeprefix("a::") for name in frame.columns if name.startswith("a::")]
    shown = []
    for row in frame.slice(offset, limit).iter_rows(named=True):
        evidence = [
            {"label": item["label"], "level": row.get(item["name"]), "weight": row.get(f"{item['name']}_weight") or 0.0}
            for item in fields
            if row.get(item["name"]) is not None
        ]
        values = [(column, row[f"a::{column}"] or "", row[f"b::{column}"] or "") for column in columns]
        shown.append(
            ShownPair(
                id_a=row["id_a"],
                id_b=row["id_b"],
                probability=row["match_probability"],
                evidence=evidence,
                values=values,
            )
        )
    return shown
