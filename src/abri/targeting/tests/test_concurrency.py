"""Two committee secretaries at once (PostgreSQL): one decision per household and session, one version
per publication; the other request is told why and nothing is written twice."""

import threading
from datetime import date

import pytest
from django.db import connection
from django.utils import translation

from abri.access.models import Role
from abri.access.tests.factories import OrganisationFactory
from abri.core.errors import ValidationFailed
from abri.geo.tests.factories import mali_areas
from abri.registry.tests.factories import household_saved
from abri.targeting.models import CommitteeDecision, PublishedList
from abri.targeting.services import (
    decision_record,
    decisions_confirm_proposals,
    plan_run,
    session_open,
    session_publish,
    validation_record,
)
from abri.targeting.tests.factories import committee, login, plan_saved, programme_saved

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ON = date(2022, 12, 1)


def _session():
    mali_areas()
    iom = OrganisationFactory(acronym="IOM")
    programme = programme_saved(organisation=iom)
    officer = login(organisation=iom, role=Role.TARGETING_OFFICER, programmes=[programme])
    secretaries = [
        login(organisation=iom, role=Role.COMMITTEE_SECRETARY, programmes=[programme], username=name)
        for name in ("first", "second")
    ]
    households = [household_saved(organisation=iom) for _ in range(2)]
    plan = plan_saved(actor=officer, programme=programme, quota=1)
    plan_run(actor=officer, plan=plan, on=ON)
    members = committee(actor=secretaries[0], plan=plan)
    session = session_open(actor=secretaries[0], plan=plan, held_on=ON, place="Mairie")
    return session, secretaries, households, members


def _race(work, secretaries) -> dict[str, object]:
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def run(secretary) -> None:
        try:
            barrier.wait(30)
            with translation.override("en"):
                outcomes[secretary.username] = work(secretary)
        except Exception as error:  # the outcome, success or refusal, is what the test looks at
            outcomes[secretary.username] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(secretary,)) for secretary in secretaries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_two_decisions_on_one_household_at_once_one_is_recorded():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no row locks, it runs one writer at a time")
    session, secretaries, households, _members = _session()
    number = households[1].registration_number
    outcomes = _race(
        lambda secretary: decision_record(
            actor=secretary, session=session, number=number, decision="include", reason=secretary.username
        ),
        secretaries,
    )
    refused = [outcome for outcome in outcomes.values() if isinstance(outcome, ValidationFailed)]
    assert len(refused) == 1
    assert "already decided" in refused[0].errors["household"][0]
    assert CommitteeDecision.objects.filter(session=session, household=households[1]).count() == 1


def test_two_publications_of_one_session_at_once_make_one_version():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no row locks, it runs one writer at a time")
    session, secretaries, _households, members = _session()
    decisions_confirm_proposals(actor=secretaries[0], session=session, reason="Score")
    for member in members:
        if member.validates:
            validation_record(actor=secretaries[0], session=session, member_id=member.pk)
    outcomes = _race(lambda secretary: session_publish(actor=secretary, session=session), secretaries)
    published = [outcome for outcome in outcomes.values() if isinstance(outcome, PublishedList)]
    refused = [outcome for outcome in outcomes.values() if isinstance(outcome, ValidationFailed)]
    assert (len(published), len(refused)) == (1, 1)
    assert "published" in refused[0].errors["__all__"][0]
    assert list(PublishedList.objects.values_list("version", flat=True)) == [1]
