"""Offline distribution: the preparation a device takes away, the sync of what it recorded (once per
key, conflicts kept, refusals storing nothing), binding entitlements to points and moving them,
resolving a conflict; and a property: any batches, shuffled, repeated and cut, end with exactly
the distinct handovers."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abri.access.models import Role
from abri.access.selectors import scope_for
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.assistance.models import (
    ConflictStatus,
    DistributionKits,
    Handover,
    HandoverConflict,
    HandoverStatus,
    IdempotencyKey,
)
from abri.assistance.services import distribution_close
from abri.assistance.sync import (
    QueuedHandover,
    conflict_resolve,
    entitlement_move,
    entitlements_bind,
    offline_preparation,
    offline_sync,
)
from abri.assistance.tests.factories import setting
from abri.core.errors import Conflict, PermissionDenied, ValidationFailed
from abri.geo.tests.factories import mali_areas

pytestmark = pytest.mark.django_db


@pytest.fixture
def found():
    return setting(today=timezone.localdate(), households=4, kits=10)


# One moment for the whole module: a device sends the same time each time it sends a handover.
_MIDNIGHT = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(0, 1)))
BASE = max(_MIDNIGHT, timezone.now() - datetime.timedelta(minutes=30))


def _now(minutes: int = 0) -> str:
    return (BASE + datetime.timedelta(seconds=minutes)).isoformat()


def _item(key: str, token: str, minutes: int = 0, **fields) -> QueuedHandover:
    return QueuedHandover(key=key, token=token, at=_now(minutes), **fields)


def _sync(found, items, actor=None):
    actor = actor or found.officer
    return offline_sync(actor=actor, scope=scope_for(user=actor), distribution=found.distribution, items=items)


def test_the_preparation_holds_what_a_handover_needs_and_nothing_more(found):
    officer = found.officer
    prepared = offline_preparation(actor=officer, scope=scope_for(user=officer), distribution=found.distribution)
    assert prepared["user"] == officer.pk
    assert len(prepared["entitlements"]) == 4
    row = next(row for row in prepared["entitlements"] if row["n"] == found.households[0].registration_number)
    assert row["t"] == found.entitlements[0].token
    assert row["h"].startswith("FatoumataA")
    assert set(row) == {"t", "n", "h", "s", "a", "z", "x", "d", "p"}  # no phone, no identity number, no members
    expires = datetime.datetime.fromisoformat(prepared["expires_at"])
    assert expires <= timezone.now() + datetime.timedelta(hours=36)


def test_an_officer_of_another_area_prepares_nothing(found):
    stranger = UserFactory(username="distribution.bandiagara")
    MembershipFactory(
        user=stranger, organisation=found.iom, role=Role.DISTRIBUTION_OFFICER, areas=[mali_areas()["ML05"]]
    )
    with pytest.raises(PermissionDenied):
        offline_preparation(actor=stranger, scope=scope_for(user=stranger), distribution=found.distribution)


def test_a_batch_is_recorded_once_and_replayed_the_same(found):
    tokens = [entitlement.token for entitlement in found.entitlements]
    items = [_item(f"off-key-{n:04d}", token, minutes=n, point="Site Nord") for n, token in enumerate(tokens[:3])]
    first = _sync(found, items)
    assert [answer["outcome"] for answer in first] == ["recorded"] * 3
    again = _sync(found, list(reversed(items)))
    assert [answer["outcome"] for answer in again] == ["recorded"] * 3
    assert all(answer["replayed"] for answer in again)
    assert Handover.objects.filter(status=HandoverStatus.RECORDED).count() == 3
    assert DistributionKits.objects.get(distribution=found.distribution).available == 7
    handover = Handover.objects.get(entitlement=found.entitlements[0])
    assert handover.point.name == "Site Nord"
    assert abs((handover.handed_over_at - datetime.datetime.fromisoformat(items[0].at)).total_seconds()) < 1


def test_the_same_entitlement_on_two_devices_is_a_conflict_for_the_second(found):
    token = found.entitlements[0].token
    other = UserFactory(username="distribution.menaka2")
    MembershipFactory(
        user=other,
        organisation=found.iom,
        role=Role.DISTRIBUTION_OFFICER,
        areas=[mali_areas()["ML10"]],
        programme_list=[found.programme],
    )
    assert _sync(found, [_item("off-device-a1", token, 1, point="Site Nord")])[0]["outcome"] == "recorded"
    second = _sync(
        found,
        [_item("off-device-b1", token, 2, receiver="proxy", proxy_name="Awa", proxy_relationship="sœur")],
        actor=other,
    )
    assert second[0]["outcome"] == "conflict"
    assert second[0]["earlier"]["recorded_by"] == "distribution.menaka"
    conflict = HandoverConflict.objects.get()
    assert (conflict.recorded_by, conflict.proxy_name, conflict.status) == (other, "Awa", ConflictStatus.OPEN)
    # Sent again: the same conflict, not a second one, and still one handover.
    assert (
        _sync(
            found,
            [_item("off-device-b1", token, 2, receiver="proxy", proxy_name="Awa", proxy_relationship="sœur")],
            actor=other,
        )[0]["conflict"]
        == conflict.pk
    )
    assert HandoverConflict.objects.count() == 1
    assert Handover.objects.filter(entitlement=found.entitlements[0]).count() == 1


def test_a_refused_handover_stores_nothing_and_may_be_sent_again(found):
    items = [
        _item("off-refused-1", "7KQ2M-X9D4T"),
        _item("off-refused-2", found.entitlements[0].token, point="Nulle part"),
    ]
    answers = _sync(found, items)
    assert [answer["outcome"] for answer in answers] == ["refused", "refused"]
    assert "Nulle part" in answers[1]["message"]
    assert not IdempotencyKey.objects.exists()
    assert not Handover.objects.exists()


def test_a_time_in_the_future_is_recorded_as_now(found):
    later = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    _sync(found, [QueuedHandover(key="off-future-1", token=found.entitlements[0].token, at=later)])
    assert Handover.objects.get().handed_over_at <= timezone.now()


def test_bound_entitlements_are_prepared_and_handed_over_at_their_point_only(found):
    officer = found.officer
    scope = scope_for(user=officer)
    assert entitlements_bind(actor=officer, scope=scope, distribution=found.distribution) == 4
    school, north = found.distribution.points.order_by("id")
    prepared = offline_preparation(actor=officer, scope=scope, distribution=found.distribution, point=north)
    assert len(prepared["entitlements"]) == 2
    elsewhere = next(e for e in found.entitlements if e.__class__.objects.get(pk=e.pk).point_id == school.pk)
    answer = _sync(found, [_item("off-bound-1", elsewhere.token, point=north.name)])[0]
    assert answer["outcome"] == "refused"
    assert school.name in answer["message"]


def test_a_move_from_a_stale_point_changes_nothing(found):
    officer = found.officer
    scope = scope_for(user=officer)
    entitlements_bind(actor=officer, scope=scope, distribution=found.distribution)
    entitlement = found.entitlements[0].__class__.objects.select_related("point").get(pk=found.entitlements[0].pk)
    school, north = found.distribution.points.order_by("id")
    here, there = (school, north) if entitlement.point == school else (north, school)
    entitlement_move(
        actor=officer,
        scope=scope,
        distribution=found.distribution,
        token=entitlement.token,
        to_point=there,
        from_point=here,
    )
    with pytest.raises(Conflict, match=there.name):
        entitlement_move(
            actor=officer,
            scope=scope,
            distribution=found.distribution,
            token=entitlement.token,
            to_point=here,
            from_point=here,
        )
    entitlement.refresh_from_db()
    assert entitlement.point == there


def test_a_conflict_is_resolved_once_with_a_note(found):
    token = found.entitlements[0].token
    _sync(found, [_item("off-one-0001", token)])
    _sync(found, [_item("off-two-0001", token, 3)])
    conflict = HandoverConflict.objects.get()
    scope = scope_for(user=found.officer)
    with pytest.raises(ValidationFailed) as refused:
        conflict_resolve(actor=found.officer, scope=scope, conflict=conflict, resolution="nope", note="")
    assert set(refused.value.errors) == {"resolution", "note"}
    conflict_resolve(actor=found.officer, scope=scope, conflict=conflict, resolution="second_kit_given", note="Vu")
    with pytest.raises(ValidationFailed):
        conflict_resolve(actor=found.officer, scope=scope, conflict=conflict, resolution="second_kit_given", note="Vu")
    assert HandoverConflict.objects.get().status == ConflictStatus.RESOLVED


def test_a_second_kit_given_is_counted_lost_and_closing_waits_for_every_conflict(found):
    token = found.entitlements[0].token
    _sync(found, [_item("off-one-0002", token)])
    _sync(found, [_item("off-two-0002", token, 3)])
    scope = scope_for(user=found.officer)
    kits = DistributionKits.objects.get(distribution=found.distribution)
    before = kits.available
    with translation.override("en"), pytest.raises(ValidationFailed, match="1 handover conflict is still open"):
        distribution_close(actor=found.officer, scope=scope, distribution=found.distribution)
    found.distribution.refresh_from_db()
    assert found.distribution.status == "open"
    conflict = HandoverConflict.objects.get()
    conflict_resolve(actor=found.officer, scope=scope, conflict=conflict, resolution="second_kit_given", note="Vu")
    kits.refresh_from_db()
    assert (kits.available, kits.lost) == (before - 1, 1)
    returned = distribution_close(actor=found.officer, scope=scope, distribution=found.distribution)
    kits.refresh_from_db()
    assert (returned, kits.returned, kits.lost, kits.available) == (before - 1, before - 1, 1, 0)


def test_a_second_record_found_mistaken_writes_no_kit_off(found):
    token = found.entitlements[0].token
    _sync(found, [_item("off-one-0003", token)])
    _sync(found, [_item("off-two-0003", token, 3)])
    scope = scope_for(user=found.officer)
    before = DistributionKits.objects.get(distribution=found.distribution).available
    conflict = HandoverConflict.objects.get()
    conflict_resolve(actor=found.officer, scope=scope, conflict=conflict, resolution="record_mistaken", note="Vu")
    kits = DistributionKits.objects.get(distribution=found.distribution)
    assert (kits.available, kits.lost) == (before, 0)


def test_the_sync_endpoint_answers_each_item_and_checks_the_csrf_token(found):
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(pk=found.officer.pk))
    url = f"/api/v1/distributions/{found.distribution.code}/offline/sync"
    session = client.get(url).json()
    assert session["user"] == found.officer.pk
    body = {
        "device": "tablette-1",
        "items": [{"key": "off-api-0001", "token": found.entitlements[0].token, "at": _now()}],
    }
    refused = client.post(url, json.dumps(body), content_type="application/json")
    assert refused.status_code == 403
    answer = client.post(url, json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=session["csrf_token"])
    assert answer.status_code == 200, answer.content
    assert answer.json()["answers"][0]["outcome"] == "recorded"
    prepared = client.get(f"/api/v1/distributions/{found.distribution.code}/offline").json()
    assert next(row for row in prepared["entitlements"] if row["t"] == found.entitlements[0].token)["d"]


# --- the property -----------------------------------------------------------------------------------


def test_any_batches_shuffled_repeated_and_cut_end_with_exactly_the_distinct_handovers():
    found = setting(today=timezone.localdate(), households=4, kits=40)
    second = UserFactory(username="distribution.menaka2")
    MembershipFactory(
        user=second,
        organisation=OrganisationFactory(acronym="IOM"),
        role=Role.DISTRIBUTION_OFFICER,
        areas=[mali_areas()["ML10"]],
        programme_list=[found.programme],
    )
    officers = [User.objects.get(pk=found.officer.pk), second]
    tokens = [entitlement.token for entitlement in found.entitlements]
    # Each queued handover: (device, key number, entitlement); two devices may hold the same entitlement.
    queued = st.lists(st.tuples(st.integers(0, 1), st.integers(0, 3)), min_size=1, max_size=8, unique=True).map(
        lambda pairs: [(device, n, entitlement) for n, (device, entitlement) in enumerate(pairs)]
    )

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data(), items=queued)
    def check(data, items):
        sends = data.draw(
            st.lists(
                st.tuples(st.integers(0, 1), st.permutations(items), st.integers(0, 8)),
                min_size=1,
                max_size=4,
            )
        )
        with transaction.atomic():

            def send(device, part):
                user = officers[device]
                return offline_sync(
                    actor=user,
                    scope=scope_for(user=user),
                    distribution=found.distribution,
                    items=[
                        _item(f"off-prop-{n:04d}", tokens[entitlement], n)
                        for _d, n, entitlement in part
                        if _d == device
                    ],
                )

            for device, order, cut in sends:  # shuffled, cut anywhere, maybe sent again later
                send(device, order[:cut])
            final = {}
            for device in (0, 1):  # at last each device sends its whole queue, in its order
                for answer in send(device, items):
                    final[answer["key"]] = answer
            # Sent once more: every answer the same.
            for device in (0, 1):
                for answer in send(device, items):
                    assert answer["outcome"] == final[answer["key"]]["outcome"]
            distinct = {entitlement for _d, _n, entitlement in items}
            recorded = Handover.objects.filter(status=HandoverStatus.RECORDED)
            assert sorted(recorded.values_list("entitlement__token", flat=True)) == sorted(tokens[e] for e in distinct)
            assert HandoverConflict.objects.count() == len(items) - len(distinct)
            assert sorted(answer["outcome"] for answer in final.values()) == sorted(
                ["recorded"] * len(distinct) + ["conflict"] * (len(items) - len(distinct))
            )
            assert DistributionKits.objects.get(distribution=found.distribution).available == 40 - len(distinct)
            transaction.set_rollback(True)

    check()
