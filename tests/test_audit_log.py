"""The audit trail as an auditor reads it: who opened which household's personal data, from where,
what looks unusual, and a page to search it; none of it for those who do not audit."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.utils import timezone

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.core.audit_signals import PERSONAL_DATA_VIEW, audit_signals
from abri.core.models import AuditEntry
from abri.registry.tests.factories import household_saved

pytestmark = pytest.mark.django_db


def _login(role: str, organisation, areas, *, username: str) -> Client:
    membership = MembershipFactory(user=UserFactory(username=username), organisation=organisation, role=role)
    membership.admin_areas.set([areas["ML10"], areas["ML05"]])
    client = Client(REMOTE_ADDR="10.20.30.40")
    client.force_login(membership.user)
    return client


@pytest.fixture
def household(iom, areas):
    return household_saved(organisation=iom, phone="+223 76 12 34 56")


def _views(household) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=PERSONAL_DATA_VIEW, target_id=str(household.pk)))


def test_opening_a_household_records_who_saw_its_personal_data_and_from_where(iom, areas, household):
    clerk = _login(Role.REGISTRATION_OFFICER, iom, areas, username="clerk")
    assert clerk.get(f"/households/{household.registration_number}/").status_code == 200
    [view] = _views(household)
    assert (view.actor.username, view.source, view.target_type) == ("clerk", "10.20.30.40", "registry.household")


def test_whoever_sees_no_personal_data_leaves_no_view_entry(iom, areas, household):
    viewer = _login(Role.PARTNER_VIEWER, iom, areas, username="partner")
    assert viewer.get(f"/households/{household.registration_number}/").status_code == 200
    assert _views(household) == []


def test_the_api_records_each_household_whose_personal_data_it_returns(iom, areas, household):
    clerk = _login(Role.REGISTRATION_OFFICER, iom, areas, username="clerk")
    assert clerk.get(f"/api/v1/households/{household.registration_number}").status_code == 200
    assert clerk.get(f"/api/v1/individuals?household={household.registration_number}").status_code == 200
    assert clerk.get(f"/api/v1/households?admin_area={household.admin_area_id}").status_code == 200
    assert len(_views(household)) == 3


def test_views_stay_out_of_the_households_own_history(iom, areas, household):
    admin = _login(Role.ADMINISTRATOR, iom, areas, username="admin")
    page = admin.get(f"/households/{household.registration_number}/").content.decode()
    admin.get(f"/households/{household.registration_number}/")
    assert len(_views(household)) == 2
    assert PERSONAL_DATA_VIEW not in page


def _entries(actor, action: str, at: datetime.datetime, count: int = 1, first_target: int = 1) -> None:
    # Written at ``at`` (the log is append-only: an entry's time cannot be changed afterwards).
    with mock.patch("django.utils.timezone.now", return_value=at):
        for n in range(count):
            AuditEntry.objects.create(
                actor=actor, action=action, target_type="registry.household", target_id=str(first_target + n)
            )


@override_settings(ABRI_AUDIT_VIEWS_PER_HOUR=100, ABRI_WORKING_HOURS=(7, 19))
def test_many_households_in_an_hour_and_a_night_export_are_flagged():
    busy, calm, night = UserFactory(username="busy"), UserFactory(username="calm"), UserFactory(username="night")
    ten = datetime.datetime(2026, 12, 1, 10, 5, tzinfo=timezone.get_current_timezone())
    _entries(busy, PERSONAL_DATA_VIEW, ten, count=101)
    _entries(calm, PERSONAL_DATA_VIEW, ten, count=100)  # at the limit, not over
    _entries(calm, "published_list.export", ten)  # in working hours
    _entries(night, "reporting.microdata_export", ten.replace(hour=23, minute=30))
    signals = audit_signals(since=ten - datetime.timedelta(days=1))
    assert [(signal.kind, signal.username, signal.count) for signal in signals] == [
        ("after_hours", "night", 1),
        ("views", "busy", 101),
    ]
    assert str(signals[1]) == "2026-12-01 10:00: busy opened the personal data of 101 households within the hour"


def test_abri_audit_alerts_lists_the_patterns_and_fails_when_there_are_any(capsys):
    call_command("audit", "alerts")
    assert "Nothing unusual in the last 7 days." in capsys.readouterr().out
    late = timezone.localtime().replace(hour=2, minute=0)
    if late > timezone.now():
        late -= datetime.timedelta(days=1)
    _entries(UserFactory(username="night"), "list_run.download", late)
    with pytest.raises(CommandError):
        call_command("audit", "alerts")
    assert "night made an export outside working hours (list_run.download)" in capsys.readouterr().out


def test_the_audit_page_shows_the_auditors_organisation_only_and_searches_it(iom, areas, household):
    clerk = _login(Role.REGISTRATION_OFFICER, iom, areas, username="clerk")
    clerk.get(f"/households/{household.registration_number}/")
    nrc = OrganisationFactory(acronym="NRC")
    other = household_saved(organisation=nrc)
    _login(Role.REGISTRATION_OFFICER, nrc, areas, username="nrc.clerk").get(f"/households/{other.registration_number}/")
    auditor = _login(Role.AUDITOR, iom, areas, username="auditor")
    auditor.cookies["django_language"] = "en"
    page = auditor.get("/audit/").content.decode()
    assert "clerk" in page
    assert "10.20.30.40" in page
    assert PERSONAL_DATA_VIEW in page
    assert "nrc.clerk" not in page
    found = auditor.get("/audit/", {"user": "clerk", "kind": "views", "record": str(household.pk)}).content.decode()
    assert "1 entry" in found
    assert PERSONAL_DATA_VIEW in found
    assert "No entry matches." in auditor.get("/audit/", {"kind": "exports"}).content.decode()
    assert "Nothing unusual" in page


@override_settings(ABRI_AUDIT_VIEWS_PER_HOUR=1)
def test_administrators_are_told_on_their_home_page(iom, areas, household):
    clerk = _login(Role.REGISTRATION_OFFICER, iom, areas, username="clerk")
    second = household_saved(organisation=iom)
    clerk.get(f"/households/{household.registration_number}/")
    clerk.get(f"/households/{second.registration_number}/")
    admin = _login(Role.ADMINISTRATOR, iom, areas, username="admin")
    admin.cookies["django_language"] = "en"
    home = admin.get("/").content.decode()
    assert "The audit log shows 1 unusual pattern in the last days" in home
    audit = admin.get("/audit/").content.decode()
    assert "clerk opened the personal data of 2 households within the hour" in audit
    assert "The audit log shows" not in clerk.get("/").content.decode()


def test_those_who_do_not_audit_cannot_open_the_audit_page(iom, areas):
    for role in (Role.REGISTRATION_OFFICER, Role.PARTNER_VIEWER, Role.WAREHOUSE_OFFICER):
        assert _login(role, iom, areas, username=f"u-{role}").get("/audit/").status_code == 404
