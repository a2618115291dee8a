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
from abri.targeting.models import ScoredHousehold, TargetingPlan, TargetingRun
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


def test_a_plan_with_a_criterion_on_an_unknown_field_is_refused_on_the_page(published):
    client = _client(published["users"]["officer"])
    before = TargetingPlan.objects.count()
    response = client.post(
        "/targeting/new/",
        {
            "name": "Essai",
            "programme": "MLI-MNK-NFI-2022",
            "areas": "ML10",
            "template": "own",
            "criteria": '{"scoring": [{"field": "wealth", "weight": 1}]}',
            "quota": 1,
        },
        follow=True,
    )
    assert "Règle de score 1 : le registre n&#x27;a pas de champ « wealth »" in response.content.decode()
    assert TargetingPlan.objects.count() == before


def test_a_plan_from_a_template_is_created(published):
    response = _client(published["users"]["officer"]).post(
        "/targeting/new/",
        {
            "name": "Carte de score",
            "programme": "MLI-MNK-NFI-2022",
            "areas": "ML10",
            "template": "nfi_score_card",
            "quota": 2,
        },
    )
    plan = TargetingPlan.objects.get(name="Carte de score")
    assert response["Location"] == f"/targeting/{plan.pk}/"
    assert plan.criteria["maximum_score"] == 5


def test_the_secretary_opens_a_session_from_the_page(published):
    plan = published["list"].plan
    client = _client(published["users"]["secretary"])
    response = client.post(
        f"/targeting/{plan.pk}/sessions/", {"held_on": "2022-12-04", "place": "Mairie", "attendees": []}
    )
    session = plan.sessions.get(held_on=date(2022, 12, 4))
    assert response["Location"] == f"/targeting/{plan.pk}/sessions/{session.pk}/"


def test_the_plan_page_names_its_criteria_as_the_household_page_does(published):
    criteria = {
        "eligibility": [
            {"field": "displacement_cause", "op": "eq", "value": "armed_conflict", "mode": "must"},
            {"field": "head_age", "op": "lt", "value": 15, "mode": "must_not"},
        ],
        "scoring": [
            {"field": "widow_headed", "weight": 3},
            {"field": "children_under_5", "op": "ge", "value": 2, "weight": 1},
        ],
        "tie_breaks": ["size_desc"],
    }
    plan = plan_saved(actor=published["users"]["officer"], programme=published["plan"].programme, criteria=criteria)
    page = _client(published["users"]["officer"]).get(f"/targeting/{plan.pk}/").content.decode()
    assert "cause du déplacement = Conflit armé ou insécurité" in page
    assert "âge du chef de ménage &lt; 15" in page
    assert "dirigé par une veuve — 3,0" in page
    assert "enfants de moins de 5 ans ≥ 2 — 1,0" in page
    assert "les ménages les plus grands d’abord" in page
    for raw in ("armed_conflict", "size_desc", "children_under_5"):
        assert raw not in page
