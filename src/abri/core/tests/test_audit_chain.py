"""The audit log as an auditor relies on it: every entry sealed into a chain, and `abri audit verify`
naming whatever was changed, removed, added or cut off; on PostgreSQL, no one rewrites it at all."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.db.models.deletion import ProtectedError

from abri.core.audit_chain import audit_seal, audit_verify
from abri.core.models import AuditChainHead, AuditEntry
from abri.core.services import audit_record
from abri.core.testing import postgres_only, run_at_once

pytestmark = pytest.mark.django_db


def _user() -> User:
    return User.objects.create_user(username=f"user{User.objects.count() + 1}")


def _target() -> User:
    """Any record will do as what an entry is about: a user account here."""
    return User.objects.create_user(username=f"target{User.objects.count() + 1}")


def _write(count: int, *, actor=None, action: str = "organisation.update") -> list[AuditEntry]:
    organisation = _target()
    with transaction.atomic():
        return [audit_record(actor=actor, action=action, target=organisation, changes={"n": n}) for n in range(count)]


def _sealed_log(count: int = 5) -> list[AuditEntry]:
    _write(count, actor=_user())
    audit_seal()
    return list(AuditEntry.objects.order_by("seq"))


def _tamper(sql: str, params: list) -> None:
    """Change the table behind Abri's back, as someone with the database's password would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # the owner switching triggers off
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")


def test_entries_are_sealed_in_a_chain_when_their_change_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entries = _write(3)
        assert all(AuditEntry.objects.get(pk=entry.pk).seq is None for entry in entries)  # not before the commit
    sealed = list(AuditEntry.objects.filter(pk__in=[e.pk for e in entries]).order_by("seq"))
    assert [entry.seq for entry in sealed] == [1, 2, 3]
    assert len({entry.digest for entry in sealed}) == 3
    head = AuditChainHead.objects.get()
    assert (head.seq, head.digest) == (3, sealed[-1].digest)
    result = audit_verify()
    assert result.intact
    assert (result.checked, result.pending) == (3, 0)


def test_a_changed_entry_is_named():
    entries = _sealed_log()
    _tamper("UPDATE core_auditentry SET action = %s WHERE id = %s", ["household.view", entries[2].pk])
    result = audit_verify()
    assert not result.intact
    assert result.problems == [
        (
            f"entry 3 (id {entries[2].pk}, household.view) does not match its seal: changed, inserted or sealed "
            "without the audit key"
        )
    ]


def test_a_changed_actor_or_detail_is_caught_too():
    entries = _sealed_log()
    other = _user()
    _tamper("UPDATE core_auditentry SET actor_id = %s WHERE id = %s", [other.pk, entries[0].pk])
    _tamper("UPDATE core_auditentry SET changes = %s WHERE id = %s", [json.dumps({"n": 99}), entries[4].pk])
    problems = audit_verify().problems
    assert [problem.split(" (")[0] for problem in problems] == ["entry 1", "entry 5"]


def test_a_removed_entry_leaves_a_gap():
    entries = _sealed_log()
    _tamper("DELETE FROM core_auditentry WHERE id = %s", [entries[1].pk])
    assert audit_verify().problems == ["entries 2 are missing: removed from the log"]


def test_entries_cut_from_the_end_no_longer_meet_the_head():
    entries = _sealed_log()
    _tamper("DELETE FROM core_auditentry WHERE id IN (%s, %s)", [entries[3].pk, entries[4].pk])
    assert audit_verify().problems == [
        "the chain ends at entry 3 but its head says 5: entries removed from the end, or the head changed"
    ]


def test_an_entry_added_without_the_key_does_not_verify():
    entries = _sealed_log()
    forged = AuditEntry.objects.create(action="household.update", target_type="registry.household", target_id="1")
    # Someone who knows the scheme but not the key seals it with a plain hash.
    digest = hashlib.sha256(entries[-1].digest.encode() + b"forged").hexdigest()
    _tamper("UPDATE core_auditentry SET seq = 6, digest = %s WHERE id = %s", [digest, forged.pk])
    AuditChainHead.objects.filter(pk=1).update(seq=6, digest=digest)
    assert audit_verify().problems[0].startswith(f"entry 6 (id {forged.pk}, household.update) does not match")


def test_abri_audit_verify_says_intact_or_fails_with_the_problems(capsys):
    entries = _sealed_log(3)
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "3 entries checked." in out
    assert "The audit log's chain is intact." in out
    assert f"Head: entry 3, seal {entries[-1].digest}" in out
    _tamper("UPDATE core_auditentry SET target_id = %s WHERE id = %s", ["999", entries[0].pk])
    with pytest.raises(CommandError) as refused:
        call_command("audit", "verify")
    assert refused.value.returncode == 1
    assert "entry 1 (id" in capsys.readouterr().err


def test_abri_audit_seal_seals_what_waits(capsys):
    _write(4)
    call_command("audit", "seal")
    assert "4 entries sealed." in capsys.readouterr().out
    assert audit_verify().checked == 4


def test_a_user_who_acted_cannot_be_deleted_only_deactivated():
    actor = _user()
    _write(1, actor=actor)
    with pytest.raises(ProtectedError):
        actor.delete()


@pytest.mark.postgres
def test_on_postgresql_no_one_changes_or_deletes_an_entry_not_even_abri():
    postgres_only("the append-only trigger is PostgreSQL's")
    entries = _sealed_log(2)
    for attempt in (
        lambda: AuditEntry.objects.filter(pk=entries[0].pk).update(action="household.view"),
        lambda: AuditEntry.objects.filter(pk=entries[0].pk).delete(),
        lambda: AuditEntry.objects.filter(pk=entries[1].pk).update(seq=None, digest=""),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert audit_verify().intact


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writers_and_sealers_at_once_give_one_unbroken_chain():
    postgres_only("sealers lock the chain's head")
    organisation = _target()

    def writer() -> int:
        for n in range(20):
            with transaction.atomic():
                audit_record(actor=None, action="organisation.update", target=organisation, changes={"n": n})
            # on_commit sealed it; several sealers race for the head
        return 20

    outcomes = run_at_once({f"writer {n}": writer for n in range(4)})
    assert outcomes == {f"writer {n}": 20 for n in range(4)}
    audit_seal()
    result = audit_verify()
    assert result.intact, result.problems
    assert result.checked == AuditEntry.objects.count() >= 80
    assert sorted(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, result.checked + 1))
