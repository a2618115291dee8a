"""The registry's bulk path: the same checks and derivations as the services, on whole columns.

`abri.registry.services` checks one household at a time (about a fifth of a millisecond each);
an import of 200,000 households needs the same rules applied to columns. `checks` is the
vectorised twin of `abri.registry.validation.resolve_household` (same rules, same messages,
same field paths; a test runs both on generated households and compares), `prepare` derives
what the services derive (dates of birth, search names, keyed hashes, encryption, flags), and
`write` stores the result with one COPY per table on PostgreSQL (executemany on SQLite).
"""

from abri.registry.bulk.checks import HOUSEHOLD_SCHEMA, MEMBER_SCHEMA, frames_from_inputs, households_check
from abri.registry.bulk.create import households_bulk_create
from abri.registry.bulk.prepare import Prepared, households_prepare
from abri.registry.bulk.write import households_bulk_update, households_write_new

__all__ = [
    "HOUSEHOLD_SCHEMA",
    "MEMBER_SCHEMA",
    "Prepared",
    "frames_from_inputs",
    "households_bulk_create",
    "households_bulk_update",
    "households_check",
    "households_prepare",
    "households_write_new",
]
