"""Two supervisors moving the same entitlement at once, and two devices sending the same kit at once
(PostgreSQL): one move wins, the other is refused naming where it went; one handover, one conflict."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import transaction
from django.utils import timezone

from abri.access.models import Role
from abri.access.selectors import scope_for
from abri.access.tests.factories import MembershipFactory, UserFactory
from abri.assistance.models import DistributionKits, Entitlement, Handover, HandoverConflict, HandoverStatus
from abri.assistance.services import distribution_close
from abri.assistance.sync import QueuedHandover, conflict_resolve, entitlement_move, entitlements_bind, offline_sync
from abri.assistance.tests.factories import setting
from abri.core.errors import Conflict
from abri.core.testing import LockHolder, postgres_only, run_at_once
from abri.geo.tests.factories import mali_areas

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_moves_of_one_entitlement_at_once_one_wins():
    postgres_only()
    found = setting(today=timezone.localdate())
    officer = found.officer
    entitlements_bind(actor=officer, scope=scope_for(user=officer), distribution=found.distribution)
    entitlement = Entitlement.objects.select_related("point").get(pk=found.entitlements[0].pk)
    here = entitlement.point
    there = found.distribution.points.exclude(pk=here.pk).first()
    holder = LockHolder()

    def first():
        with transaction.atomic():  # holds the entitlement's row until the second move waits for it
            moved = entitlement_move(
                actor=officer,
                scope=scope_for(user=officer),
                distribution=found.distribution,
                token=entitlement.token,
                to_point=there,
                from_point=here,
            )
            holder.hold()
            return moved

    def second():
        holder.wait_until_held()
        return entitlement_move(
            actor=officer,
            scope=scope_for(user=officer),
            distribution=found.distribution,
            token=entitlement.token,
            to_point=here,
            from_point=here,  # seen at its first point: it left meanwhile
        )

    outcomes = run_at_once({"first": first, "second": second})
    assert holder.seen_waiting == [True]
    assert isinstance(outcomes["first"], Entitlement)
    assert isinstance(outcomes["second"], Conflict)
    assert there.name in str(outcomes["second"])
    assert Entitlement.objects.get(pk=entitlement.pk).point == there


def test_two_devices_sending_one_kit_at_once_give_one_handover_and_one_conflict():
    postgres_only()
    found = setting(today=timezone.localdate())
    other = UserFactory(username="distribution.menaka2")
    MembershipFactory(
        user=other,
        organisation=found.iom,
        role=Role.DISTRIBUTION_OFFICER,
        areas=[mali_areas()["ML10"]],
        programme_list=[found.programme],
    )
    token = found.entitlements[0].token
    at = (timezone.now() - datetime.timedelta(minutes=1)).isoformat()
    start = threading.Barrier(2)

    def device(user, key):
        def send():
            start.wait()
            return offline_sync(
                actor=user,
                scope=scope_for(user=user),
                distribution=found.distribution,
                items=[QueuedHandover(key=key, token=token, at=at)],
            )[0]["outcome"]

        return send

    outcomes = run_at_once({"a": device(found.officer, "off-race-a"), "b": device(other, "off-race-b")})
    assert sorted(outcomes.values()) == ["conflict", "recorded"]
    assert Handover.objects.filter(status=HandoverStatus.RECORDED).count() == 1
    assert HandoverConflict.objects.count() == 1


def test_closing_while_a_second_kit_is_written_off_counts_it_once():
    postgres_only()
    found = setting(today=timezone.localdate())
    token = found.entitlements[0].token
    at = (timezone.now() - datetime.timedelta(minutes=1)).isoformat()
    officer = found.officer
    for key in ("off-close-a", "off-close-b"):
        offline_sync(
            actor=officer,
            scope=scope_for(user=officer),
            distribution=found.distribution,
            items=[QueuedHandover(key=key, token=token, at=at)],
        )
    conflict = HandoverConflict.objects.get()
    before = DistributionKits.objects.get(distribution=found.distribution).available
    holder = LockHolder()

    def resolve():
        with transaction.atomic():  # holds the kits' row until the closing waits for it
            resolved = conflict_resolve(
                actor=officer,
                scope=scope_for(user=officer),
                conflict=conflict,
                resolution="second_kit_given",
                note="Vu avec le chef de site",
            )
            holder.hold()
            return resolved

    def close():
        holder.wait_until_held()
        return distribution_close(actor=officer, scope=scope_for(user=officer), distribution=found.distribution)

    outcomes = run_at_once({"resolve": resolve, "close": close})
    assert holder.seen_waiting == [True]
    assert isinstance(outcomes["resolve"], HandoverConflict)
    assert outcomes["close"] == before - 1  # it waited, then found the conflict resolved and one kit fewer
    kits = DistributionKits.objects.get(distribution=found.distribution)
    assert (kits.available, kits.lost, kits.returned) == (0, 1, before - 1)
