"""A distribution takes its households from a published targeting list: the included ones, the
latest version of a plan of its programme, while it is planned, in the user's scope; each refusal
writes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.utils import translation

from abri.access.selectors import scope_for
from abri.access.tests.factories import ProgrammeFactory
from abri.assistance.models import Distribution, DistributionStatus, Entitlement
from abri.assistance.services import distribution_households_from_list, distribution_open
from abri.assistance.tests.factories import setting
from abri.core.errors import NotFound, ValidationFailed
from abri.core.models import AuditEntry
from abri.core.testing import LockHolder, postgres_only, run_at_once
from abri.registry.models import Household
from abri.registry.tests.factories import household_saved, member_input
from abri.targeting.models import AgendaItem, PublishedList
from abri.targeting.services import (
    decision_record,
    household_refer,
    plan_run,
    session_open,
    session_publish,
    validation_record,
)
from abri.targeting.tests.factories import committee, plan_saved

pytestmark = pytest.mark.django_db

RUN_ON = datetime.date(2022, 11, 25)


@pytest.fixture(autouse=True)
def _english():
    """The messages below are matched in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def found():
    """A planned Ménaka distribution with no household yet, and four Ménaka households."""
    found = setting(households=0, kits=0, open_it=False)
    found.households = [
        household_saved(organisation=found.iom, members=[member_input(given_names=f"Mariam{letter}")])
        for letter in "ABCD"
    ]
    return found


def _admin() -> User:
    return User.objects.get(username="admin.abri")


def _publish(plan, session, *, included, wait_listed, reason: str = "") -> PublishedList:
    """Decide on ``session``: include, wait-list, exclude the rest of the agenda; validate; publish."""
    admin = _admin()
    decided = set()
    for decision, households in (("include", included), ("wait_list", wait_listed)):
        for household in households:
            decision_record(
                actor=admin, session=session, number=household.registration_number, decision=decision, reason="Veuve"
            )
            decided.add(household.pk)
    for item in AgendaItem.objects.filter(session=session).exclude(household_id__in=decided):
        decision_record(
            actor=admin,
            session=session,
            number=Household.objects.get(pk=item.household_id).registration_number,
            decision="exclude",
            reason="Aidé par ailleurs",
        )
    for member in plan.members.filter(validates=True):
        validation_record(actor=admin, session=session, member_id=member.pk)
    return session_publish(actor=admin, session=session, reason=reason)


def _first_list(programme, *, included, wait_listed):
    """Version 1 of a new plan of ``programme``."""
    admin = _admin()
    plan = plan_saved(actor=admin, programme=programme, quota=1)
    plan_run(actor=admin, plan=plan, on=RUN_ON)
    members = committee(actor=admin, plan=plan)
    session = session_open(
        actor=admin,
        plan=plan,
        held_on=datetime.date(2022, 11, 28),
        place="Mairie de Ménaka",
        attendee_ids=[m.pk for m in members],
    )
    return plan, _publish(plan, session, included=included, wait_listed=wait_listed)


def _nothing_written(found, before_audit: int) -> None:
    assert not Entitlement.objects.exists()
    assert Distribution.objects.get(pk=found.distribution.pk).published_list_id is None
    assert AuditEntry.objects.count() == before_audit


def test_the_included_households_get_entitlements_and_the_wait_listed_do_not(found):
    first, second, third, bystander = found.households
    _plan, published = _first_list(found.programme, included=[first, second], wait_listed=[third])
    created = distribution_households_from_list(
        actor=found.officer,
        scope=scope_for(user=found.officer),
        distribution=found.distribution,
        published_list=published,
    )
    assert sorted(e.household_id for e in created) == sorted([first.pk, second.pk])
    assert sorted(Entitlement.objects.values_list("household_id", flat=True)) == sorted([first.pk, second.pk])
    assert not Entitlement.objects.filter(household__in=[third, bystander]).exists()
    assert Distribution.objects.get(pk=found.distribution.pk).published_list_id == published.pk
    entries = AuditEntry.objects.filter(action="distribution.households_add", target_id=str(found.distribution.pk))
    assert entries.count() == 2  # the empty one of the planning setting, then this one
    assert entries.order_by("id").last().changes == {"entitlements": 2, "published_list": published.pk, "version": 1}
    again = distribution_households_from_list(  # a second time adds nobody: each keeps its entitlement
        actor=found.officer,
        scope=scope_for(user=found.officer),
        distribution=found.distribution,
        published_list=published,
    )
    assert again == []
    assert Entitlement.objects.count() == 2


def _taken_by_the_officer(found, published_list):
    return distribution_households_from_list(
        actor=found.officer,
        scope=scope_for(user=found.officer),
        distribution=found.distribution,
        published_list=published_list,
    )


def test_a_list_that_is_not_the_latest_version_is_refused_naming_the_latest(found):
    first, second, _third, _bystander = found.households
    plan, version_one = _first_list(found.programme, included=[first], wait_listed=[])
    household_refer(actor=_admin(), plan=plan, household=second, reason="Plainte : oubliée")
    session = session_open(actor=_admin(), plan=plan, held_on=datetime.date(2022, 11, 30), place="Mairie")
    version_two = _publish(plan, session, included=[second], wait_listed=[], reason="Plainte fondée")
    assert version_two.version == 2
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        _taken_by_the_officer(found, version_one)
    assert refused.value.errors == {
        "published_list": ["Version 1 is not the latest list of this plan: take version 2."]
    }
    _nothing_written(found, before)


def test_a_list_of_another_programme_is_refused(found):
    first, _second, _third, _bystander = found.households
    shelter = ProgrammeFactory(code="MLI-MNK-SHELTER-2022", name="Abris Ménaka 2022", organisation=found.iom)
    _plan, published = _first_list(shelter, included=[first], wait_listed=[])
    before = AuditEntry.objects.count()
    admin = _admin()
    with pytest.raises(ValidationFailed) as refused:
        distribution_households_from_list(
            actor=admin, scope=scope_for(user=admin), distribution=found.distribution, published_list=published
        )
    assert list(refused.value.errors) == ["published_list"]
    assert "Abris Ménaka 2022" in refused.value.errors["published_list"][0]
    _nothing_written(found, before)
    # The distribution officer works for the NFI programme only: to them that list does not exist.
    with pytest.raises(NotFound):
        _taken_by_the_officer(found, published)
    _nothing_written(found, before)


def test_a_distribution_that_is_not_planned_any_more_is_refused(found):
    first, _second, _third, _bystander = found.households
    _plan, published = _first_list(found.programme, included=[first], wait_listed=[])
    distribution_open(actor=found.officer, scope=scope_for(user=found.officer), distribution=found.distribution)
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        _taken_by_the_officer(found, published)
    assert refused.value.errors == {"distribution": ["Only a planned distribution takes its households from a list."]}
    assert Distribution.objects.get(pk=found.distribution.pk).status == DistributionStatus.OPEN
    _nothing_written(found, before)


def test_the_page_offers_the_latest_lists_of_the_programme_and_takes_one(found):
    first, second, third, _bystander = found.households
    plan, version_one = _first_list(found.programme, included=[first, second], wait_listed=[third])
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(User.objects.get(pk=found.officer.pk))
    page = client.get(f"/distributions/{found.distribution.code}/").content.decode()
    assert f'<option value="{version_one.pk}"' in page
    assert f"{plan.name} · version 1 · 2 included" in page
    path = f"/distributions/{found.distribution.code}/households/from-list/"
    response = client.post(path, {"published_list": "nope"})
    assert response.status_code == 302
    assert not Entitlement.objects.exists()
    response = client.post(path, {"published_list": str(version_one.pk)}, follow=True)
    assert "2 entitlements added from the list version 1." in response.content.decode()
    assert sorted(Entitlement.objects.values_list("household_id", flat=True)) == sorted([first.pk, second.pk])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_version_published_while_the_list_is_taken_is_seen_and_the_old_one_refused(found):
    postgres_only()
    first, second, _third, _bystander = found.households
    plan, version_one = _first_list(found.programme, included=[first], wait_listed=[])
    admin = _admin()
    household_refer(actor=admin, plan=plan, household=second, reason="Plainte : oubliée")
    session = session_open(actor=admin, plan=plan, held_on=datetime.date(2022, 11, 30), place="Mairie")
    decision_record(actor=admin, session=session, number=second.registration_number, decision="include", reason="x")
    for member in plan.members.filter(validates=True):
        validation_record(actor=admin, session=session, member_id=member.pk)
    holder = LockHolder()

    def publish() -> PublishedList:
        with transaction.atomic():
            published = session_publish(actor=admin, session=session, reason="Plainte fondée")
            holder.hold()  # version 2 written, not yet committed, until the other request queues
        return published

    def take() -> object:
        holder.wait_until_held()
        return _taken_by_the_officer(found, version_one)

    outcomes = run_at_once({"publish": publish, "take": take})
    assert holder.seen_waiting == [True]  # taking the list queued behind the publication
    assert isinstance(outcomes["publish"], PublishedList)
    assert isinstance(outcomes["take"], ValidationFailed)
    assert outcomes["take"].errors == {
        "published_list": ["Version 1 is not the latest list of this plan: take version 2."]
    }
    assert not Entitlement.objects.exists()
    assert Distribution.objects.get(pk=found.distribution.pk).published_list_id is None
