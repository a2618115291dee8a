"""Targeting pages: the ranking shows the reasons, the what-if saves nothing, the paper list and its export."""

import io
from datetime import date

import pytest
from django.test import Client
from pypdf import PdfReader

from abri.access.models import Role
from abri.access.tests.factories import OrganisationFactory
from abri.core.models import AuditEntry
from abri.geo.tests.factories import mali_areas
from abri.registry.tests.factories import household_saved
from abri.targeting.models import ScoredHousehold, TargetingRun
from abri.targeting.services import (
    decisions_confirm_proposals,
    plan_run,
    session_open,
    session_publish,
    validation_record,
)
from abri.targeting.tests.factories import committee, login, plan_saved, programme_saved, widow

pytestmark = pytest.mark.django_db
ON = date(2022, 12, 1)


@pytest.fixture
def published():
    mali_areas()
    iom = OrganisationFactory(acronym="IOM")
    programme = programme_saved(organisation=iom)
    officer = login(organisation=iom, role=Role.TARGETING_OFFICER, programmes=[programme])
    secretary = login(organisation=iom, role=Role.COMMITTEE_SECRETARY, programmes=[programme])
    auditor = login(organisation=iom, role=Role.AUDITOR)
    im = login(organisation=iom, role=Role.INFORMATION_MANAGEMENT_OFFICER)
    widow_household = household_saved(organisation=iom, members=widow())
    household_saved(organisation=iom)
    plan = plan_saved(actor=officer, programme=programme, quota=1)
    run = plan_run(actor=officer, plan=plan, on=ON)
    members = committee(actor=secretary, plan=plan)
    session = session_open(
        actor=secretary, plan=plan, held_on=ON, place="Mairie", attendee_ids=[member.pk for member in members]
    )
    decisions_confirm_proposals(actor=secretary, session=session, reason="Proposé par le score")
    for member in members:
        if member.validates:
            validation_record(actor=secretary, session=session, member_id=member.pk)
    version = session_publish(actor=secretary, session=session)
    return {
        "plan": plan,
        "run": run,
        "list": version,
        "widow": widow_household,
        "users": {"officer": officer, "secretary": secretary, "auditor": auditor, "im": im},
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_ranking_shows_each_reason_and_its_weight(published):
    page = _client(published["users"]["officer"]).get(f"/targeting/{published['plan'].pk}/").content.decode()
    assert "Veuve +3,0" in page
    assert published["widow"].registration_number in page
    assert "Fatoumata Maïga" in page  # the officer may see names


def test_the_auditor_sees_the_ranking_without_names(published):
    page = _client(published["users"]["auditor"]).get(f"/targeting/{published['plan'].pk}/").content.decode()
    assert published["widow"].registration_number in page
    assert "Fatoumata" not in page


def test_the_what_if_changes_the_list_and_saves_nothing(published):
    before = (TargetingRun.objects.count(), ScoredHousehold.objects.count(), AuditEntry.objects.count())
    response = _client(published["users"]["officer"]).post(
        f"/targeting/{published['plan'].pk}/what-if/", {"quota": 2, "weight_0": 0, "weight_1": 1}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "2 ménages proposés : 1 entreraient dans la liste, 0 en sortiraient." in text
    assert (TargetingRun.objects.count(), ScoredHousehold.objects.count(), AuditEntry.objects.count()) == before


def test_a_what_if_quota_above_the_caseload_is_refused_with_the_reason(published):
    response = _client(published["users"]["officer"]).post(
        f"/targeting/{published['plan'].pk}/what-if/", {"quota": 9, "weight_0": 3, "weight_1": 1}
    )
    assert "Le quota (9) dépasse le nombre de cas : 2 ménages" in response.content.decode()


def test_the_paper_list_in_english_has_a_sign_off_for_those_present(published):
    response = _client(published["users"]["secretary"]).get(f"/targeting/lists/{published['list'].pk}/list.pdf?lang=en")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Members of the committee present" in text
    assert "Fadimata Walet" in text
    assert "Chef de village" in text
    assert published["widow"].registration_number in text


def test_the_xlsx_is_for_exporters_only_and_audited(published):
    url = f"/targeting/lists/{published['list'].pk}/list.xlsx"
    assert _client(published["users"]["secretary"]).get(url).status_code == 403
    assert not AuditEntry.objects.filter(action="published_list.export").exists()
    response = _client(published["users"]["im"]).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEntry.objects.filter(action="published_list.export", target_id=str(published["list"].pk)).count() == 1
