"""Many households registered at once from registry inputs, through the import's bulk path.

`abri synth` and anything else holding `HouseholdInput` values use it: the same column checks,
derivations and writer as an import (`checks`, `prepare`, `write`), so that a household stored
this way is stored exactly as an imported one, and no third writer exists.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from django.db import transaction
from django.utils import timezone

from abri.access.models import Organisation
from abri.core.errors import ValidationFailed
from abri.registry.bulk.checks import frames_from_inputs, households_check
from abri.registry.bulk.prepare import households_prepare
from abri.registry.bulk.write import Actor, households_write_new
from abri.registry.inputs import HouseholdInput
from abri.registry.validation import References


def households_bulk_create(
    *, actor: Actor, organisation: Organisation, households: Sequence[HouseholdInput]
) -> pl.DataFrame:
    """Register ``households``, all or nothing; each is checked as `household_register` checks it.

    Returns one row per household, in the order given: ``household_id``, ``registration_number``,
    ``size``. A problem anywhere refuses the whole list, with every problem keyed
    ``households[<position>].<field>``.
    """
    if not households:
        return pl.DataFrame(schema={"household_id": pl.Int64, "registration_number": pl.String, "size": pl.Int64})
    household_frame, member_frame = frames_from_inputs(households)
    today = timezone.localdate()
    problems = households_check(household_frame, member_frame, references=References.load(), today=today)
    if problems.height:
        errors: dict[str, list[str]] = {}
        for key, field, message in problems.iter_rows():
            errors.setdefault(f"households[{key}].{field}", []).append(message)
        raise ValidationFailed(errors)
    with transaction.atomic():
        prepared = households_prepare(household_frame, member_frame, today=today)
        written = households_write_new(actor=actor, organisation=organisation, prepared=prepared)
    sizes = prepared.households.select("key", "size")
    return written.join(sizes, on="key").sort("key").select("household_id", "registration_number", "size")
