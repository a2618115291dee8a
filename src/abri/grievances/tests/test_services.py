"""Grievances: the household through the registry's access, the lifecycle, sensitive complaints, referral."""

from datetime import date

import pytest

from abri.access.models import Role
from abri.access.selectors import scope_for
from abri.access.tests.factories import OrganisationFactory
from abri.core.errors import NotFound, ValidationFailed
from abri.geo.tests.factories import mali_areas
from abri.grievances.models import Grievance, GrievanceStatus
from abri.grievances.selectors import grievance_counts_shared, grievance_list, is_overdue
from abri.grievances.services import (
    grievance_answer,
    grievance_close,
    grievance_receive,
    grievance_refer,
    grievance_review,
)
from abri.registry.tests.factories import household_saved
from abri.targeting.models import AgendaItem, Referral
from abri.targeting.services import plan_run, session_open
from abri.targeting.tests.factories import login, plan_saved, programme_saved

pytestmark = pytest.mark.django_db
ON = date(2022, 12, 2)


@pytest.fixture
def setting():
    mali_areas()
    iom = OrganisationFactory(acronym="IOM")
    programme = programme_saved(organisation=iom)
    return {
        "iom": iom,
        "programme": programme,
        "secretary": login(organisation=iom, role=Role.COMMITTEE_SECRETARY, programmes=[programme]),
        "admin": login(organisation=iom, role=Role.ADMINISTRATOR),
        "officer": login(organisation=iom, role=Role.TARGETING_OFFICER, programmes=[programme]),
        "household": household_saved(organisation=iom),
    }


def _receive(setting, **overrides):
    values = {
        "actor": setting["secretary"],
        "channel": "help_desk",
        "category": "exclusion",
        "description": "Oubliée sur la liste",
        "received_on": ON,
        "household_number": setting["household"].registration_number,
    }
    values.update(overrides)
    return grievance_receive(**values)


def test_a_grievance_on_another_organisation_household_is_refused_and_nothing_is_written(setting):
    stranger = household_saved(organisation=OrganisationFactory(acronym="NRC"))
    with pytest.raises(NotFound):
        _receive(setting, household_number=stranger.registration_number)
    assert not Grievance.objects.exists()


def test_bad_input_is_refused_with_each_field(setting):
    with pytest.raises(ValidationFailed) as refused:
        _receive(setting, channel="fax", category="rumour", description=" ", due_on=date(2022, 12, 1))
    assert set(refused.value.errors) == {"channel", "category", "description", "due_on"}
    assert not Grievance.objects.exists()


def test_the_lifecycle_is_received_in_review_answered_closed(setting):
    grievance = _receive(setting)
    assert grievance.reference == f"PL-22-{grievance.pk:06d}"
    assert grievance.due_on == date(2022, 12, 16)
    with pytest.raises(ValidationFailed):  # not reviewed yet
        grievance_answer(actor=setting["secretary"], grievance=grievance, response="Inclus", on=ON)
    grievance = grievance_review(actor=setting["secretary"], grievance=grievance)
    with pytest.raises(ValidationFailed):  # no response written
        grievance_answer(actor=setting["secretary"], grievance=grievance, response=" ", on=ON)
    assert Grievance.objects.get(pk=grievance.pk).status == GrievanceStatus.IN_REVIEW
    grievance = grievance_answer(actor=setting["secretary"], grievance=grievance, response="Inclus", on=ON)
    grievance = grievance_close(actor=setting["secretary"], grievance=grievance)
    assert (grievance.status, grievance.response, grievance.answered_on) == (GrievanceStatus.CLOSED, "Inclus", ON)


def test_overdue_only_while_open(setting):
    grievance = _receive(setting)
    assert not is_overdue(grievance, today=date(2022, 12, 16))
    assert is_overdue(grievance, today=date(2022, 12, 17))
    grievance = grievance_review(actor=setting["secretary"], grievance=grievance)
    grievance = grievance_answer(actor=setting["secretary"], grievance=grievance, response="Vu", on=ON)
    assert not is_overdue(grievance, today=date(2022, 12, 17))


def test_sensitive_complaints_only_for_the_named_roles_and_never_in_shared_counts(setting):
    ordinary = _receive(setting)
    sensitive = _receive(setting, category="sea", household_number="", admin_area="ML1001", description="Abus")
    assert sensitive.sensitive
    assert list(grievance_list(scope=scope_for(user=setting["secretary"]))) == [ordinary]
    assert set(grievance_list(scope=scope_for(user=setting["admin"]))) == {ordinary, sensitive}
    assert grievance_counts_shared(scope=scope_for(user=setting["admin"])) == {"exclusion": 1}


def test_an_exclusion_complaint_sends_the_household_to_the_next_session(setting):
    plan = plan_saved(actor=setting["officer"], programme=setting["programme"], quota=1)
    plan_run(actor=setting["officer"], plan=plan, on=ON)
    grievance = _receive(setting)
    referral = grievance_refer(actor=setting["secretary"], grievance=grievance, plan=plan)
    assert referral.session is None
    assert Grievance.objects.get(pk=grievance.pk).status == GrievanceStatus.IN_REVIEW
    session = session_open(actor=setting["secretary"], plan=plan, held_on=ON, place="Mairie")
    assert AgendaItem.objects.filter(session=session, household=setting["household"]).exists()
    assert Referral.objects.get(pk=referral.pk).session == session


def test_only_an_exclusion_complaint_goes_back_to_the_committee(setting):
    plan = plan_saved(actor=setting["officer"], programme=setting["programme"], quota=1)
    grievance = _receive(setting, category="quality")
    with pytest.raises(ValidationFailed):
        grievance_refer(actor=setting["secretary"], grievance=grievance, plan=plan)
    assert not Referral.objects.exists()
