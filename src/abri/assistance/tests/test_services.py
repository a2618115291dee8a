"""Distributions: entitlements, handovers exactly once, refusals that write nothing, cancelling,
closing with the stock returned, and the reconciliation."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from abri.access.models import Role
from abri.access.selectors import scope_for
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.assistance.models import (
    DistributionKits,
    Entitlement,
    Handover,
    HandoverCancellation,
    HandoverStatus,
)
from abri.assistance.selectors import entitlement_rows, reconciliation
from abri.assistance.services import (
    AlreadyHandedOver,
    distribution_close,
    distribution_households_add,
    entitlement_cancel,
    handover_cancel,
    handover_record,
)
from abri.assistance.tests.factories import FIRST_DAY, LAST_DAY, on_day, setting
from abri.assistance.tokens import token_display, token_new
from abri.core.errors import NotFound, PermissionDenied, ValidationFailed
from abri.core.models import AuditEntry
from abri.registry.tests.factories import household_saved, member_input
from abri.stock.models import StockBalance, StockMovement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages below are matched in English."""
    with translation.override("en"):
        yield


def test_a_refusal_reads_in_french_by_default():
    found = setting()
    with pytest.raises(ValidationFailed) as refused, translation.override("fr"):
        _record(found, found.entitlements[0], at=on_day(LAST_DAY + datetime.timedelta(days=1)))
    assert "n'est pas un jour de la distribution" in str(refused.value)


def _state(found) -> tuple:
    """What a refused handover must leave as it was."""
    return (
        list(Handover.objects.values_list("pk", "status")),
        DistributionKits.objects.get(distribution=found.distribution).available,
        AuditEntry.objects.filter(action__startswith="handover").count(),
    )


def _record(found, entitlement, **extra):
    extra.setdefault("at", on_day(FIRST_DAY))
    return handover_record(
        actor=found.officer, scope=scope_for(user=found.officer), token=token_display(entitlement.token), **extra
    )


def test_a_handover_is_recorded_once_with_its_kit_taken_from_the_distribution():
    found = setting()
    first, bystander = found.entitlements[0], found.entitlements[1]
    handover = _record(found, first, point="École de Ménaka", photo_consent=True)
    assert (handover.status, handover.receiver, handover.day, handover.point.name) == (
        "recorded",
        "head",
        FIRST_DAY,
        "École de Ménaka",
    )
    assert handover.recorded_by == found.officer
    assert DistributionKits.objects.get(distribution=found.distribution).available == 2
    assert AuditEntry.objects.filter(action="handover.record", target_id=str(handover.pk)).count() == 1
    assert not Handover.objects.filter(entitlement=bystander).exists()


def test_a_second_handover_of_the_same_token_is_refused_and_names_the_first():
    found = setting()
    entitlement = found.entitlements[0]
    first = _record(found, entitlement)
    before = _state(found)
    with pytest.raises(AlreadyHandedOver) as refused:
        _record(found, entitlement, at=on_day(FIRST_DAY, 11))
    assert refused.value.earlier.pk == first.pk
    assert "Boubacar Cissé" in str(refused.value)
    assert token_display(entitlement.token) in str(refused.value)
    assert _state(found) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"receiver": "proxy", "proxy_name": "Moussa Ag Mohamed"}, "proxy_name"),
        ({"receiver": "cousin"}, "receiver"),
        ({"at": on_day(LAST_DAY + datetime.timedelta(days=1))}, "distribution"),
        ({"at": on_day(FIRST_DAY - datetime.timedelta(days=1))}, "distribution"),
        ({"point": "Tente inconnue"}, "point"),
    ],
)
def test_a_handover_with_a_wrong_receiver_day_or_point_is_refused(change, field):
    found = setting()
    before = _state(found)
    with pytest.raises(ValidationFailed) as refused:
        _record(found, found.entitlements[0], **change)
    assert field in refused.value.errors
    assert _state(found) == before


def test_a_proxy_is_recorded_with_name_and_relationship():
    found = setting()
    handover = _record(
        found, found.entitlements[0], receiver="proxy", proxy_name="Moussa Ag", proxy_relationship="fils"
    )
    assert (handover.receiver, handover.proxy_name, handover.proxy_relationship) == ("proxy", "Moussa Ag", "fils")


def test_mistyped_unknown_cancelled_and_foreign_tokens_are_refused_and_nothing_is_written():
    found = setting()
    other = setting(code="MNK-NFI-2023-01", households=1, kits=1)
    token = token_display(found.entitlements[0].token)
    mistyped = token[:-1] + ("0" if token[-1] != "0" else "1")
    entitlement_cancel(
        actor=found.officer, scope=scope_for(user=found.officer), entitlement=found.entitlements[2], reason="Parti"
    )
    before = _state(found)
    scope = scope_for(user=found.officer)
    with pytest.raises(ValidationFailed, match="mistyped"):
        handover_record(actor=found.officer, scope=scope, token=mistyped, at=on_day(FIRST_DAY))
    with pytest.raises(ValidationFailed, match="not a token"):
        handover_record(actor=found.officer, scope=scope, token="12345", at=on_day(FIRST_DAY))
    with pytest.raises(NotFound):
        handover_record(actor=found.officer, scope=scope, token=token_new(), at=on_day(FIRST_DAY))
    with pytest.raises(ValidationFailed, match="cancelled"):
        _record(found, found.entitlements[2])
    with pytest.raises(ValidationFailed, match="another distribution"):
        _record(found, other.entitlements[0], distribution=found.distribution)
    assert _state(found) == before


def test_a_token_outside_the_officers_scope_is_not_found():
    found = setting()
    stranger = MembershipFactory(
        organisation=OrganisationFactory(acronym="NRC"), role=Role.DISTRIBUTION_OFFICER, all_areas=True
    ).user
    before = _state(found)
    with pytest.raises(NotFound):
        handover_record(
            actor=stranger, scope=scope_for(user=stranger), token=found.entitlements[0].token, at=on_day(FIRST_DAY)
        )
    assert _state(found) == before


def test_when_no_kit_is_left_the_handover_is_refused():
    found = setting(kits=1)
    _record(found, found.entitlements[0])
    before = _state(found)
    with pytest.raises(ValidationFailed, match="No kit is left"):
        _record(found, found.entitlements[1])
    assert _state(found) == before


def test_a_closed_distribution_takes_no_handover():
    found = setting()
    distribution_close(actor=found.officer, scope=scope_for(user=found.officer), distribution=found.distribution)
    with pytest.raises(ValidationFailed, match="closed"):
        _record(found, found.entitlements[0])


def test_cancelling_a_handover_is_a_new_record_and_the_kit_goes_back():
    found = setting()
    entitlement = found.entitlements[0]
    first = _record(found, entitlement)
    with pytest.raises(ValidationFailed):
        handover_cancel(actor=found.officer, scope=scope_for(user=found.officer), handover=first, reason="")
    handover_cancel(
        actor=found.officer, scope=scope_for(user=found.officer), handover=first, reason="Mauvais ménage scanné"
    )
    assert Handover.objects.get(pk=first.pk).status == HandoverStatus.CANCELLED
    assert HandoverCancellation.objects.get(handover=first).reason == "Mauvais ménage scanné"
    assert DistributionKits.objects.get(distribution=found.distribution).available == 3
    second = _record(found, entitlement, at=on_day(FIRST_DAY, 12))
    assert list(Handover.objects.filter(entitlement=entitlement).values_list("pk", "status")) == [
        (first.pk, "cancelled"),
        (second.pk, "recorded"),
    ]


def test_households_outside_the_scope_are_refused_all_or_nothing():
    found = setting(households=1)
    bandiagara = household_saved(organisation=found.iom, admin_area="ML0501", members=[member_input()])
    menaka = household_saved(organisation=found.iom, members=[member_input(given_names="Aïcha")])
    scope = scope_for(user=found.officer)
    with pytest.raises(ValidationFailed, match=bandiagara.registration_number):
        distribution_households_add(
            actor=found.officer, scope=scope, distribution=found.distribution, households=[menaka, bandiagara]
        )
    assert Entitlement.objects.filter(distribution=found.distribution).count() == 1
    again = distribution_households_add(
        actor=found.officer, scope=scope, distribution=found.distribution, households=[menaka, found.households[0]]
    )
    assert [entitlement.household_id for entitlement in again] == [menaka.pk]  # the first keeps its entitlement
    tokens = list(Entitlement.objects.values_list("token", flat=True))
    assert len(set(tokens)) == len(tokens) == 2


def test_a_warehouse_officer_plans_nothing():
    found = setting(households=1)
    keeper = MembershipFactory(organisation=found.iom, role=Role.WAREHOUSE_OFFICER, all_areas=True).user
    with pytest.raises(PermissionDenied):
        distribution_close(actor=keeper, scope=scope_for(user=keeper), distribution=found.distribution)


def test_an_implementing_partner_records_handovers_and_sees_only_what_a_handover_needs():
    found = setting(households=2)
    ildm = OrganisationFactory(acronym="ILDM")
    found.distribution.implementing_partner = ildm
    found.distribution.save()
    partner = MembershipFactory(
        user=UserFactory(username="ildm.menaka"),
        organisation=ildm,
        role=Role.DISTRIBUTION_OFFICER,
        areas=[found.distribution.admin_area],
    ).user
    rows = entitlement_rows(distribution=found.distribution, search="fatoumataa")
    assert [row.household.registration_number for row in rows] == [found.households[0].registration_number]
    assert rows[0].household.head_name == "FatoumataA Maïga"
    assert set(vars(rows[0].household)) == {"registration_number", "head_name", "head_sex_display", "head_age", "size"}
    handover = handover_record(
        actor=partner, scope=scope_for(user=partner), token=found.entitlements[0].token, at=on_day(FIRST_DAY)
    )
    assert handover.recorded_by == partner


def test_closing_returns_what_is_left_and_the_reconciliation_adds_up():
    found = setting(households=3, kits=3)
    store = found.distribution.warehouse
    _record(found, found.entitlements[0], at=on_day(FIRST_DAY))
    _record(
        found,
        found.entitlements[1],
        at=on_day(FIRST_DAY + datetime.timedelta(days=1)),
        receiver="proxy",
        proxy_name="Moussa",
        proxy_relationship="frère",
    )
    returned = distribution_close(
        actor=found.officer, scope=scope_for(user=found.officer), distribution=found.distribution
    )
    assert returned == 1
    assert StockBalance.objects.get(warehouse=store, item__code="BLANKET").quantity == 800 - 2 * 3 + 2
    assert list(
        StockMovement.objects.filter(reference=found.distribution.reference, item__code="SOAP").values_list(
            "kind", "quantity"
        )
    ) == [("dispatch", -12), ("return", 4)]
    result = reconciliation(distribution=found.distribution)
    assert (result.planned, result.handed_over, result.absent) == (3, 2, 1)
    assert [(day.day, day.handed_over, day.by_proxy) for day in result.days] == [
        (FIRST_DAY, 1, 0),
        (FIRST_DAY + datetime.timedelta(days=1), 1, 1),
    ]
    assert (result.kits.dispatched, result.kits.returned, result.kits.available) == (3, 1, 0)
    assert ("SOAP", "Soap 250 g", 12, 4, 8) in result.items
    assert len(result.differences) == 1  # only the absent household: the kits and the items add up
    assert result.differences[0].startswith("1 ")
