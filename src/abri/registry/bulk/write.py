"""Stores prepared households: one COPY per table on PostgreSQL, executemany on SQLite.

Both functions run inside the caller's transaction, so an import commits every household or
none. Every household gets its audit entry, as with the services.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, transaction
from django.utils import timezone

from abri.access.models import Organisation
from abri.core.audit_chain import seal_on_commit
from abri.core.client import current_source
from abri.core.models import AuditEntry
from abri.core.rows import columns_check, ids_allocate, rows_insert, timestamp_literal
from abri.core.services import audit_entries_add
from abri.registry.bulk.prepare import Prepared
from abri.registry.flags import FLAG_FIELDS, WG_FIELDS
from abri.registry.inputs import HOUSEHOLD_VALUE_FIELDS
from abri.registry.locks import households_lock, members_lock
from abri.registry.models import Household, HouseholdMerge, HouseholdStatus, Individual
from abri.registry.services import registration_numbers_reserve

Actor = User | AnonymousUser | None

# The member columns an import sets (the household ones are registry.inputs.HOUSEHOLD_VALUE_FIELDS).
MEMBER_VALUE_FIELDS = (
    "given_names",
    "family_name",
    "search_name",
    "sex",
    "birth_date",
    "birth_date_precision",
    "relationship",
    "marital_status",
    *WG_FIELDS,
    "pregnancy",
    "chronic_illness",
    "id_document_type",
    "id_number_hash",
)


def _actor_id(actor: Actor) -> int | None:
    return actor.pk if actor is not None and actor.is_authenticated else None


def _registration_numbers(organisation: Organisation, households: pl.DataFrame) -> pl.Series:
    """The given registration number, or the next free one of the household's registration year."""
    numbers = households["registration_number"].to_list()
    years = households["registered_on"].dt.year().to_list()
    needing: dict[int, list[int]] = {}
    for position, (number, year) in enumerate(zip(numbers, years, strict=True)):
        if not number:
            needing.setdefault(year, []).append(position)
    for year, positions in sorted(needing.items()):
        reserved = registration_numbers_reserve(organisation=organisation, year=year, count=len(positions))
        for position, number in zip(positions, reserved, strict=True):
            numbers[position] = number
    return pl.Series("registration_number", numbers, dtype=pl.String)


def households_write_new(
    *,
    actor: Actor,
    organisation: Organisation,
    prepared: Prepared,
    audit_changes: dict[str, Any] | None = None,
) -> pl.DataFrame:
    """Store new households and their members; returns ``key``, ``household_id``, ``registration_number``."""
    if not connection.in_atomic_block:
        raise RuntimeError("households_write_new must run inside the transaction of the import")
    households = prepared.households.sort("key")
    members = prepared.members.sort(["household_key", "position"])
    now = timezone.now()
    household_ids = pl.Series("household_id", ids_allocate(Household, households.height), dtype=pl.Int64)
    member_ids = pl.Series("id", ids_allocate(Individual, members.height), dtype=pl.Int64)
    households = households.with_columns(household_ids, _registration_numbers(organisation, households))
    members = members.with_columns(member_ids).join(
        households.select(pl.col("key").alias("household_key"), "household_id"), on="household_key", how="left"
    )
    heads = members.filter(pl.col("relationship") == "head").select(
        pl.col("household_id"), pl.col("id").alias("head_id")
    )
    households = households.join(heads, on="household_id", how="left")
    stamp = timestamp_literal(now)
    actor_id = _actor_id(actor)
    household_rows = households.select(
        pl.col("household_id").alias("id"),
        pl.lit(stamp).alias("created_at"),
        pl.lit(stamp).alias("updated_at"),
        "registration_number",
        pl.lit(organisation.pk, dtype=pl.Int64).alias("organisation_id"),
        "head_id",
        pl.col("admin_area").alias("admin_area_id"),
        "site_id",
        pl.when(pl.col("origin_area") == "").then(None).otherwise(pl.col("origin_area")).alias("origin_area_id"),
        "departure_date",
        "arrival_date",
        "displacement_cause",
        "consent",
        "consent_date",
        pl.lit(actor_id, dtype=pl.Int64).alias("consent_recorded_by_id"),
        "phone_encrypted",
        "phone_hash",
        pl.lit(None, dtype=pl.String).alias("personal_data_purged_at"),
        # A household enters its lifecycle registered (abri.registry.flows), whatever a row's verdict was.
        pl.lit(HouseholdStatus.REGISTERED.value).alias("status"),
        "registered_on",
        "size",
        pl.lit(None, dtype=pl.Int64).alias("merged_into_id"),
        *FLAG_FIELDS,
        pl.lit(0, dtype=pl.Int64).alias("version"),
    )
    columns_check(Household, household_rows.columns)
    member_rows = members.select(
        "id",
        pl.lit(stamp).alias("created_at"),
        pl.lit(stamp).alias("updated_at"),
        "household_id",
        *MEMBER_VALUE_FIELDS[:-1],
        "id_number_encrypted",
        "id_number_hash",
        pl.lit(None, dtype=pl.Int64).alias("merged_into_id"),
    )
    columns_check(Individual, member_rows.columns)
    rows_insert(Household._meta.db_table, household_rows)
    rows_insert(Individual._meta.db_table, member_rows)
    audit = households.select(
        pl.lit(stamp).alias("at"),
        pl.lit(actor_id, dtype=pl.Int64).alias("actor_id"),
        pl.lit("household.create").alias("action"),
        pl.lit(Household._meta.label_lower).alias("target_type"),
        pl.col("household_id").cast(pl.String).alias("target_id"),
        pl.concat_str(
            [pl.lit('{"members": '), pl.col("size").cast(pl.String), pl.lit(_json_tail(audit_changes) + "}")]
        ).alias("changes"),
        pl.lit(current_source.get()).alias("source"),
        pl.lit("").alias("digest"),
    )
    rows_insert(AuditEntry._meta.db_table, audit)
    seal_on_commit()
    return households.select("key", "household_id", "registration_number")


def _json_tail(extra: dict[str, Any] | None) -> str:
    """``, "name": value`` pairs to append inside a JSON object."""
    if not extra:
        return ""
    return ", " + json.dumps(extra, sort_keys=True)[1:-1]


@dataclass
class UpdateResult:
    """What a re-import changed in one existing household (field names only, never values)."""

    household_id: int
    fields: list[str] = field(default_factory=list)
    members_added: int = 0
    members_removed: int = 0
    members_changed: int = 0
    skipped_merged: bool = False  # left as it is: a merge kept it or merged it away since

    @property
    def changed(self) -> bool:
        return bool(self.fields or self.members_added or self.members_removed or self.members_changed)


def _python(value: Any) -> Any:
    return value.date() if isinstance(value, datetime) else value


def households_bulk_update(
    *,
    actor: Actor,
    prepared: Prepared,
    household_ids: dict[int, int],
    audit_changes: dict[str, Any] | None = None,
) -> dict[int, UpdateResult]:
    """Apply re-imported values to existing households (``household_ids``: key → household id).

    Members are matched by their position in the roster; extra ones are added and missing ones
    removed. Encrypted numbers are rewritten only when their keyed hash changes. Returns what
    changed per key; unchanged households are not touched and get no audit entry. Households a
    live merge kept or merged away are left as they are (audited as ``household.reimport_skipped``):
    their rosters no longer match the submissions'.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("households_bulk_update must run inside the transaction of the import")
    results: dict[int, UpdateResult] = {}
    keys = sorted(household_ids)
    for start in range(0, len(keys), 2000):
        chunk = keys[start : start + 2000]
        results.update(_update_chunk(actor, prepared, {key: household_ids[key] for key in chunk}, audit_changes))
    return results


# The status moves along its lifecycle only (household_set_status, merges); the registration
# date is the first registration's. A re-import changes neither.
_NOT_REIMPORTED = frozenset({"site_id", "status", "registered_on"})


def _update_chunk(
    actor: Actor, prepared: Prepared, household_ids: dict[int, int], audit_changes: dict[str, Any] | None
) -> dict[int, UpdateResult]:
    rows = {
        row["key"]: row
        for row in prepared.households.filter(pl.col("key").is_in(list(household_ids))).iter_rows(named=True)
    }
    member_rows: dict[int, list[dict[str, Any]]] = {}
    for row in (
        prepared.members.filter(pl.col("household_key").is_in(list(household_ids)))
        .sort(["household_key", "position"])
        .iter_rows(named=True)
    ):
        member_rows.setdefault(row["household_key"], []).append(row)
    existing = households_lock(*household_ids.values())
    current_members: dict[int, list[Individual]] = {}
    # Locked in the registry's one order (abri.registry.locks): households by id, then their members by id.
    for individual in members_lock(*existing.values()).values():
        current_members.setdefault(individual.household_id, []).append(individual)
    results: dict[int, UpdateResult] = {}
    changed_households: list[Household] = []
    to_update: list[Individual] = []
    to_create: list[Individual] = []
    to_delete: list[int] = []
    audits: list[AuditEntry] = []
    merged = _merged_households(list(existing))
    for key, household_id in household_ids.items():
        household = existing[household_id]
        row = rows[key]
        result = UpdateResult(household_id=household_id, skipped_merged=household_id in merged)
        if result.skipped_merged:
            # A roster re-imported over a merged household would drop the members the merge
            # moved (members are matched by position): left as it is, and said so in the audit.
            results[key] = result
            audits.append(
                AuditEntry(
                    actor_id=_actor_id(actor),
                    action="household.reimport_skipped",
                    target_type=Household._meta.label_lower,
                    target_id=str(household_id),
                    changes={"reason": "merged", **(audit_changes or {})},
                )
            )
            continue
        values = {
            "admin_area_id": row["admin_area"],
            "site_id": row["site_id"],
            "origin_area_id": row["origin_area"] or None,
            **{name: row[name] for name in HOUSEHOLD_VALUE_FIELDS if name in row and name not in _NOT_REIMPORTED},
        }
        for name, value in values.items():
            if getattr(household, name) != _python(value):
                setattr(household, name, _python(value))
                result.fields.append(name)
        if "phone_hash" in result.fields:
            household.phone_encrypted = row["phone_encrypted"]
        changed, created, removed = _members_diff(
            current_members.get(household_id, []), member_rows.get(key, []), household_id
        )
        to_update.extend(changed)
        to_create.extend(created)
        to_delete.extend(removed)
        result.members_changed, result.members_added, result.members_removed = len(changed), len(created), len(removed)
        results[key] = result
        if result.changed:
            changed_households.append(household)
            audits.append(
                AuditEntry(
                    actor_id=_actor_id(actor),
                    action="household.update",
                    target_type=Household._meta.label_lower,
                    target_id=str(household_id),
                    changes={
                        "fields": sorted(result.fields),
                        "members_added": result.members_added,
                        "members_removed": result.members_removed,
                        "members_changed": result.members_changed,
                        **(audit_changes or {}),
                    },
                )
            )
    with transaction.atomic():
        if changed_households:
            Household.objects.filter(pk__in=[household.pk for household in changed_households]).update(head=None)
        Individual.objects.filter(pk__in=to_delete).delete()
        member_fields = [*MEMBER_VALUE_FIELDS, "id_number_encrypted", "updated_at"]
        now = timezone.now()
        for individual in to_update:
            individual.updated_at = now
        Individual.objects.bulk_update(to_update, member_fields, batch_size=1000)
        Individual.objects.bulk_create(to_create, batch_size=1000)
        if changed_households:
            heads = dict(
                Individual.objects.filter(
                    household_id__in=[household.pk for household in changed_households], relationship="head"
                ).values_list("household_id", "id")
            )
            for household in changed_households:
                household.head_id = heads.get(household.pk)
                # Locked above; one more version: an edit opened before the re-import is refused.
                household.updated_at, household.version = now, household.version + 1
            Household.objects.bulk_update(
                changed_households,
                [*HOUSEHOLD_VALUE_FIELDS, "phone_encrypted", "head", "updated_at", "version"],
                batch_size=1000,
            )
        audit_entries_add(audits)
    return results


def _merged_households(household_ids: list[int]) -> set[int]:
    """Those of ``household_ids`` that a live merge kept or merged away."""
    live = HouseholdMerge.objects.filter(undone_at__isnull=True)
    kept = live.filter(kept_id__in=household_ids).values_list("kept_id", flat=True)
    tombstones = Household.objects.filter(pk__in=household_ids, status=HouseholdStatus.MERGED).values_list(
        "pk", flat=True
    )
    return set(kept) | set(tombstones)


def _members_diff(
    current: list[Individual], incoming: list[dict[str, Any]], household_id: int
) -> tuple[list[Individual], list[Individual], list[int]]:
    """Members matched by roster position: (changed, new, ids of those no longer listed)."""
    changed: list[Individual] = []
    created: list[Individual] = []
    for position, member_row in enumerate(incoming):
        if position < len(current):
            if _member_apply(current[position], member_row):
                changed.append(current[position])
        else:
            individual = Individual(household_id=household_id)
            _member_apply(individual, member_row)
            created.append(individual)
    return changed, created, [individual.pk for individual in current[len(incoming) :]]


def _member_apply(individual: Individual, row: dict[str, Any]) -> bool:
    """Set ``row``'s values on ``individual``; whether anything changed."""
    changed = False
    old_hash = individual.id_number_hash if individual.pk is not None else None
    for name in MEMBER_VALUE_FIELDS:
        value = _python(row[name])
        if getattr(individual, name) != value:
            setattr(individual, name, value)
            changed = True
    if individual.id_number_hash != old_hash:
        individual.id_number_encrypted = row["id_number_encrypted"]
    return changed
