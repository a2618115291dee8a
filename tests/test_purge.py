"""`abri purge`: closed cases past their retention lose their personal data, the figures stay."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from abri.access.selectors import scope_for
from abri.access.tests.factories import UserFactory
from abri.assistance.models import Handover
from abri.assistance.services import handover_record
from abri.assistance.tests.factories import FIRST_DAY, on_day, setting
from abri.assistance.tokens import token_display
from abri.core import crypto
from abri.core.models import AuditEntry
from abri.core.retention import REMOVED
from abri.grievances.models import Grievance
from abri.registry.access import household_search_q
from abri.registry.models import Household, Individual
from abri.registry.services import household_set_status

pytestmark = pytest.mark.django_db


def _purge(*extra: str) -> str:
    out = io.StringIO()
    call_command("purge", *extra, stdout=out)
    return out.getvalue()


def _closed_long_ago(household: Household, *, days: int, status: str = "inactive") -> None:
    household_set_status(actor=None, household=household, status=status)
    Household.objects.filter(pk=household.pk).update(updated_at=timezone.now() - datetime.timedelta(days=days))


def _found(name: str) -> set[int]:
    return set(Household.objects.filter(household_search_q(name)).values_list("pk", flat=True))


@pytest.fixture
def menaka():
    """Three households of a Ménaka distribution; the first received its kit through a proxy and
    lodged a grievance."""
    found = setting()
    first = found.entitlements[0]
    handover_record(
        actor=found.officer,
        scope=scope_for(user=found.officer),
        token=token_display(first.token),
        at=on_day(FIRST_DAY),
        receiver="proxy",
        proxy_name="Moussa Ag Mohamed",
        proxy_relationship="fils",
    )
    for number, each in enumerate(found.households):
        phone = f"+2237612345{number}"
        Household.objects.filter(pk=each.pk).update(
            phone_encrypted=crypto.encrypt(phone), phone_hash=crypto.blind_index(phone, purpose="phone")
        )
    household = found.households[0]
    Grievance.objects.create(
        reference="GRV-MNK-0001",
        organisation=found.iom,
        admin_area=household.admin_area,
        household=household,
        channel="help_desk",
        category="exclusion",
        description="Fatoumata Maïga dit que son fils Moussa n'a pas reçu de kit.",
        received_on=FIRST_DAY,
        due_on=FIRST_DAY + datetime.timedelta(days=14),
        response="Vu avec Moussa le 3 décembre.",
    )
    return found


def test_closed_cases_past_retention_lose_names_numbers_and_dates_and_keep_the_figures(menaka):
    closed, recent, still_open = menaka.households
    _closed_long_ago(closed, days=800)
    _closed_long_ago(recent, days=30)  # closed, but within the retention period
    Household.objects.filter(pk=still_open.pk).update(updated_at=timezone.now() - datetime.timedelta(days=800))
    head = closed.members.get(relationship="head")
    closed.refresh_from_db()
    assert closed.phone_hash
    figures = list(closed.members.order_by("pk").values_list("sex", "relationship", "birth_date__year"))
    assert closed.pk in _found(head.given_names)

    said = _purge()
    assert "1 closed household(s)" in said
    assert "--apply" in said
    assert Individual.objects.filter(household=closed, given_names="").count() == 0  # only counted

    said = _purge("--apply")

    assert "1 household(s) and 1 member(s) purged" in said
    closed.refresh_from_db()
    assert closed.personal_data_purged_at is not None
    assert (closed.phone_encrypted, closed.phone_hash) == ("", "")
    members = list(closed.members.order_by("pk"))
    assert {
        (m.given_names, m.family_name, m.search_name, m.id_number_encrypted, m.id_number_hash) for m in members
    } == {("", "", "", "", "")}
    # What the figures count stays: sex, relationship, year of birth; the exact day is gone.
    assert [(m.sex, m.relationship, m.birth_date.year) for m in members] == figures
    assert all(m.birth_date.month == 1 and m.birth_date.day == 1 for m in members)
    assert {m.birth_date_precision for m in members} <= {"year", "estimated_age"}
    assert closed.size == 1
    assert closed.registration_number
    assert _found(head.given_names) == set()  # no longer found by the name it had
    handover = Handover.objects.get(entitlement__household=closed)
    assert (handover.receiver, handover.proxy_name, handover.proxy_relationship) == ("proxy", REMOVED, "fils")
    grievance = Grievance.objects.get(household=closed)
    assert (grievance.description, grievance.response, grievance.category) == ("", "", "exclusion")
    assert AuditEntry.objects.filter(action="household.purged", target_id=str(closed.pk)).count() == 1
    # The others are whole.
    for other in (recent, still_open):
        assert not Individual.objects.filter(household=other, given_names="").exists()
        assert crypto.decrypt(Household.objects.get(pk=other.pk).phone_encrypted)
        assert other.pk in _found(other.members.get(relationship="head").given_names)

    assert "0 household(s)" in _purge("--apply")  # nothing left to purge

    browser = Client()
    browser.force_login(UserFactory(username="root", is_superuser=True))
    browser.cookies["django_language"] = "en"
    page = browser.get(f"/households/{closed.registration_number}/").content.decode()
    assert "its names, phone, identity numbers and exact dates of birth were removed" in page


def test_the_retention_period_can_be_given_and_must_be_a_number_of_days(menaka):
    _closed_long_ago(menaka.households[0], days=30, status="returned")
    assert "0 closed household(s)" in _purge()
    assert "1 closed household(s)" in _purge("--older-than", "10")
    with pytest.raises(CommandError, match="--older-than: expected 0 or more days"):
        _purge("--older-than", "-1")


def test_a_persons_request_removes_one_households_data_at_once_for_an_administrator(menaka):
    household = menaka.households[0]
    admin = Client()
    admin.force_login(UserFactory(username="root", is_superuser=True))
    admin.cookies["django_language"] = "en"
    page = admin.get(f"/households/{household.registration_number}/").content.decode()
    assert f"/households/{household.registration_number}/erase/" in page

    wrong = admin.post(
        f"/households/{household.registration_number}/erase/", {"reason": "request", "confirm": "IOM-22-999999"}
    )
    assert "This is not the household&#x27;s registration number." in wrong.content.decode()
    assert household.members.exclude(given_names="").exists()

    done = admin.post(
        f"/households/{household.registration_number}/erase/",
        {"reason": "request", "confirm": household.registration_number},
    )
    assert done.status_code == 302
    household.refresh_from_db()
    assert household.personal_data_purged_at is not None
    assert household.status == "registered"  # an open case: it stays open, without names
    assert not household.members.exclude(given_names="").exists()
    assert Grievance.objects.get(household=household).description == ""
    entry = AuditEntry.objects.get(action="household.erased")
    assert entry.changes == {"reason": "request"}
    again = admin.get(f"/households/{household.registration_number}/").content.decode()
    assert "/erase/" not in again
