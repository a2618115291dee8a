"""Officers scanning the same card at the same moment (PostgreSQL): one success, the others a clear
refusal naming it; the same idempotency key sent twice at once: one handover, the same answer."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from abri.access.selectors import scope_for
from abri.assistance.models import DistributionKits, Handover, IdempotencyKey
from abri.assistance.services import AlreadyHandedOver, handover_record, handover_record_once
from abri.assistance.tests.factories import setting

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(count: int, work) -> list:
    start = threading.Barrier(count)
    outcomes: list = []

    def run() -> None:
        try:
            start.wait()
            outcomes.append(work())
        except AlreadyHandedOver as refused:
            outcomes.append(refused)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_one_card_scanned_by_eight_officers_at_once_is_handed_over_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time")
    found = setting(today=timezone.localdate())
    token = found.entitlements[0].token
    scope = scope_for(user=found.officer)
    outcomes = _race(8, lambda: handover_record(actor=found.officer, scope=scope, token=token))
    successes = [outcome for outcome in outcomes if isinstance(outcome, Handover)]
    refusals = [outcome for outcome in outcomes if isinstance(outcome, AlreadyHandedOver)]
    assert (len(successes), len(refusals)) == (1, 7)
    assert {refusal.earlier.pk for refusal in refusals} == {successes[0].pk}
    assert Handover.objects.count() == 1
    assert DistributionKits.objects.get(distribution=found.distribution).available == 2


def test_one_idempotency_key_sent_four_times_at_once_records_one_handover():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time")
    found = setting(today=timezone.localdate())
    body = {"token": found.entitlements[0].token}
    scope = scope_for(user=found.officer)
    outcomes = _race(4, lambda: handover_record_once(actor=found.officer, scope=scope, key="same-key-0001", body=body))
    assert [status for status, _answer in outcomes] == [201] * 4
    assert len({answer["id"] for _status, answer in outcomes}) == 1
    assert Handover.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
