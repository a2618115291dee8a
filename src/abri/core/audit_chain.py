"""The audit log as a chain no one can rewrite unseen: each entry sealed with the one before it.

An entry is written in the transaction of the change it records, then **sealed** just after that
transaction commits: it gets the next position in the chain (``seq``) and a digest, an HMAC-SHA256
over its own content and the digest of the entry before it, keyed with the audit key
(``ABRI_AUDIT_KEY``, kept outside the database). So:

- a changed entry no longer matches its digest;
- a removed entry leaves a gap in the positions and breaks the link of the one after it;
- an inserted entry (or one re-sealed by someone without the key) has a digest that does not verify;
- entries removed from the end no longer match the chain's head, which the sealer keeps
  (``AuditChainHead``) and ``abri audit verify`` prints, to be compared with the last printed one.

On PostgreSQL a trigger refuses every UPDATE or DELETE of an entry but its sealing, so even the
application cannot rewrite the log; the chain catches whoever goes around the trigger.

Sealers serialise on the chain's head row (one lock, taken first and alone), outside the
transactions of the changes, so audited writes never wait on each other for the audit.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

from abri.core.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
SEAL_BATCH = 2000


def _key() -> bytes:
    return hashlib.sha256(b"abri-audit-chain\x00" + settings.ABRI_AUDIT_KEY.encode()).digest()


def entry_content(entry: AuditEntry) -> bytes:
    """The bytes an entry's digest covers: every field but the digest itself, in a fixed form."""
    content = [
        entry.seq,
        entry.pk,
        entry.at.astimezone(datetime.UTC).isoformat(),
        entry.actor_id,
        entry.action,
        entry.target_type,
        entry.target_id,
        entry.changes,
        entry.source,
    ]
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_digest(entry: AuditEntry, previous: str, key: bytes | None = None) -> str:
    """The digest ``entry`` must carry when ``previous`` is the digest of the entry before it."""
    return hmac.new(key or _key(), previous.encode() + b"\x00" + entry_content(entry), hashlib.sha256).hexdigest()


def _seal_after_commit() -> None:
    audit_seal()


def seal_on_commit() -> None:
    """Seal the entries written in the current transaction once it commits (once per transaction)."""
    if not connection.in_atomic_block:
        audit_seal()
        return
    if any(item[1] is _seal_after_commit for item in connection.run_on_commit):  # (savepoints, callback, robust)
        return
    transaction.on_commit(_seal_after_commit)


def audit_seal(*, batch_size: int = SEAL_BATCH) -> int:
    """Give every committed, unsealed entry its place and digest, in id order; return how many."""
    sealed = 0
    key = _key()
    while True:
        with transaction.atomic():
            head = AuditChainHead.objects.select_for_update().get_or_create(pk=1)[0]
            pending = list(AuditEntry.objects.filter(seq__isnull=True).order_by("id")[:batch_size])
            if not pending:
                return sealed
            previous, seq = head.digest, head.seq
            for entry in pending:
                seq += 1
                entry.seq = seq
                entry.digest = entry_digest(entry, previous, key)
                previous = entry.digest
            AuditEntry.objects.bulk_update(pending, ["seq", "digest"], batch_size=500)
            head.seq, head.digest = seq, previous
            head.save(update_fields=["seq", "digest"])
            sealed += len(pending)


@dataclass
class Verification:
    """What ``audit_verify`` found: how many entries it checked, and every break in the chain."""

    checked: int = 0
    pending: int = 0
    head_seq: int = 0
    head_digest: str = GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _sealed(batch_size: int) -> Iterator[AuditEntry]:
    after = 0
    while True:
        batch = list(AuditEntry.objects.filter(seq__gt=after).order_by("seq")[:batch_size])
        if not batch:
            return
        yield from batch
        after = batch[-1].seq or after


def audit_verify(*, batch_size: int = 5000, most_problems: int = 100) -> Verification:
    """Walk the chain from its start and say where it breaks: changed, removed, inserted or cut entries."""
    result = Verification()
    key = _key()
    previous, expected = GENESIS, 1
    for entry in _sealed(batch_size):
        position = entry.seq or 0  # filtered on seq above
        if position != expected:
            first, last = expected, position - 1
            gap = f"{first}" if first == last else f"{first}–{last}"
            result.problems.append(f"entries {gap} are missing: removed from the log")
            # The entry after a gap cannot link to what is gone: judge it against its own predecessor.
        elif entry.digest != entry_digest(entry, previous, key):
            result.problems.append(
                f"entry {entry.seq} (id {entry.pk}, {entry.action}) does not match its seal: "
                "changed, inserted or sealed without the audit key"
            )
        previous, expected = entry.digest, position + 1
        result.checked += 1
        if len(result.problems) >= most_problems:
            result.problems.append(f"stopped after {most_problems} problems")
            break
    head = AuditChainHead.objects.filter(pk=1).first()
    result.head_seq = head.seq if head else 0
    result.head_digest = head.digest if head else GENESIS
    if len(result.problems) < most_problems and (result.head_seq, result.head_digest) != (expected - 1, previous):
        result.problems.append(
            f"the chain ends at entry {expected - 1} but its head says {result.head_seq}: "
            "entries removed from the end, or the head changed"
        )
    result.pending = AuditEntry.objects.filter(seq__isnull=True).count()
    return result


def audit_head() -> tuple[int, str, int]:
    """The chain's last sealed position, its seal, and how many entries wait to be sealed."""
    head = AuditChainHead.objects.filter(pk=1).first()
    pending = AuditEntry.objects.filter(seq__isnull=True).count()
    return (head.seq, head.digest, pending) if head else (0, GENESIS, pending)
