"""Grievance pages as a help desk uses them: record one, review it, answer, close; send an excluded
household back to the committee; refusals shown on the page, nothing written."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from abri.access.models import Role
from abri.access.tests.factories import OrganisationFactory
from abri.geo.tests.factories import mali_areas
from abri.grievances.models import Grievance, GrievanceStatus
from abri.registry.tests.factories import household_saved
from abri.targeting.models import Referral
from abri.targeting.services import plan_run
from abri.targeting.tests.factories import login, plan_saved, programme_saved

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    mali_areas()
    iom = OrganisationFactory(acronym="IOM")
    programme = programme_saved(organisation=iom)
    return {
        "iom": iom,
        "programme": programme,
        "secretary": login(organisation=iom, role=Role.COMMITTEE_SECRETARY, programmes=[programme]),
        "officer": login(organisation=iom, role=Role.TARGETING_OFFICER, programmes=[programme]),
        "household": household_saved(organisation=iom),
    }


def _client(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(User.objects.get(pk=user.pk))
    return client


def _record(client: Client, **overrides):
    data = {
        "channel": "help_desk",
        "category": "exclusion",
        "description": "Veuve avec quatre enfants, oubliée sur la liste",
        "received_on": "2022-12-06",
        "household_number": "",
        "admin_area": "",
        "due_on": "",
    }
    data.update(overrides)
    return client.post("/grievances/new/", data)


def test_a_grievance_goes_from_the_desk_to_closed_through_the_pages(setting):
    client = _client(setting["secretary"])
    form = client.get("/grievances/new/").content.decode()
    assert "Received through" in form
    assert "Registration number of the household" in form
    response = _record(client, household_number=setting["household"].registration_number)
    grievance = Grievance.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/grievances/{grievance.pk}/"
    assert grievance.household == setting["household"]
    assert grievance.due_on == date(2022, 12, 20)
    page = client.get(f"/grievances/{grievance.pk}/").content.decode()
    assert "Start the review" in page
    assert "Record the response" not in page
    client.post(f"/grievances/{grievance.pk}/review/")
    page = client.get(f"/grievances/{grievance.pk}/").content.decode()
    assert "Record the response" in page
    assert "Start the review" not in page
    refused = client.post(f"/grievances/{grievance.pk}/answer/", {"response": " ", "answered_on": "2022-12-01"})
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "Write the response given." in text
    assert "The answer cannot come before the day the grievance was received." in text
    assert Grievance.objects.get().status == GrievanceStatus.IN_REVIEW
    client.post(
        f"/grievances/{grievance.pk}/answer/", {"response": "Ajoutée à la session 2", "answered_on": "2022-12-08"}
    )
    client.post(f"/grievances/{grievance.pk}/close/")
    closed = Grievance.objects.get()
    assert (closed.status, closed.response, closed.answered_on) == (
        GrievanceStatus.CLOSED,
        "Ajoutée à la session 2",
        date(2022, 12, 8),
    )
    assert "Ajoutée à la session 2" in client.get(f"/grievances/{grievance.pk}/").content.decode()


def test_a_grievance_needs_a_household_or_an_area_and_nothing_is_written(setting):
    client = _client(setting["secretary"])
    response = _record(client, description="", received_on="")
    assert response.status_code == 200
    assert not Grievance.objects.exists()
    response = _record(client)
    assert "Give the household or the admin area the grievance comes from." in response.content.decode()
    response = _record(client, household_number="ML-0000-00000")
    assert response.status_code == 200
    assert not Grievance.objects.exists()
    response = _record(client, admin_area="ML1001", category="quality")
    assert response.status_code == 302
    assert Grievance.objects.get().admin_area_id == "ML1001"


def test_a_sensitive_complaint_recorded_by_the_secretary_goes_to_the_named_roles_only(setting):
    client = _client(setting["secretary"])
    response = _record(client, admin_area="ML1001", category="sea", description="Un agent a demandé…")
    assert response.status_code == 302
    assert response["Location"] == "/grievances/"
    grievance = Grievance.objects.get()
    assert grievance.sensitive
    assert "only the people named for such complaints" in client.get("/grievances/").content.decode()
    assert client.get(f"/grievances/{grievance.pk}/").status_code == 404


def test_viewers_see_but_do_not_handle(setting):
    grievance_page = _record(_client(setting["secretary"]), admin_area="ML1001", category="quality")
    grievance = Grievance.objects.get()
    assert grievance_page.status_code == 302
    viewer = _client(setting["officer"])
    page = viewer.get(f"/grievances/{grievance.pk}/").content.decode()
    assert "Start the review" not in page
    assert "Record a grievance" not in viewer.get("/grievances/").content.decode()
    assert viewer.get("/grievances/new/").status_code == 403
    assert viewer.post(f"/grievances/{grievance.pk}/review/").status_code == 403
    assert Grievance.objects.get().status == GrievanceStatus.RECEIVED


def test_an_exclusion_complaint_sends_the_household_back_to_the_committee_from_the_page(setting):
    plan = plan_saved(actor=setting["officer"], programme=setting["programme"], quota=1)
    plan_run(actor=setting["officer"], plan=plan, on=date(2022, 12, 2))
    client = _client(setting["secretary"])
    _record(client, household_number=setting["household"].registration_number)
    grievance = Grievance.objects.get()
    page = client.get(f"/grievances/{grievance.pk}/").content.decode()
    assert "Send back to the committee" in page
    response = client.post(f"/grievances/{grievance.pk}/refer/", {"plan": plan.pk})
    assert response.status_code == 302
    assert Referral.objects.get().household == setting["household"]
    again = client.post(f"/grievances/{grievance.pk}/refer/", {"plan": plan.pk}, follow=True)
    assert "already waiting for the committee" in again.content.decode()
    assert Referral.objects.count() == 1


def test_the_list_filters_by_status(setting):
    client = _client(setting["secretary"])
    _record(client, admin_area="ML1001", category="quality")
    _record(client, admin_area="ML1001", category="other", description="Merci")
    first = Grievance.objects.order_by("id").first()
    client.post(f"/grievances/{first.pk}/review/")
    page = client.get("/grievances/?status=in_review").content.decode()
    assert f">{first.reference}</a>" in page
    assert f">{Grievance.objects.order_by('id').last().reference}</a>" not in page
    assert "No grievance with this status." in client.get("/grievances/?status=closed").content.decode()
