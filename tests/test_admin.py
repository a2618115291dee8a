"""The Django admin: every model registered, staff only, audited writes, read-only registry within scope."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.test import Client

from abri.access.models import ApiToken, Membership, Organisation, Role
from abri.access.services import token_create
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.assistance.models import Programme
from abri.core.models import AuditEntry
from abri.registry.models import Household
from abri.registry.tests.factories import household_saved

pytestmark = pytest.mark.django_db

ADMIN_APPS = ("core", "access", "geo", "registry", "stock", "assistance", "shelter")


@pytest.fixture
def superuser_client(client: Client) -> Client:
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def staff_with(*codenames: str, **user_fields):
    user = UserFactory(is_staff=True, **user_fields)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.mark.parametrize("label", ADMIN_APPS)
def test_every_model_is_registered(label):
    models = set(apps.get_app_config(label).get_models())
    assert models
    assert models - set(admin.site._registry) == set()


def test_admin_is_for_staff_only(client, areas):
    client.force_login(MembershipFactory(role=Role.ADMINISTRATOR, all_areas=True).user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/")
    assert client.get("/admin/access/organisation/").status_code == 302

    client.force_login(UserFactory(is_staff=True, is_active=False))
    assert client.get("/admin/").status_code == 302


def test_every_changelist_and_add_page_opens_for_a_superuser(superuser_client, areas):
    household_saved(organisation=OrganisationFactory(acronym="IOM"))
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ADMIN_APPS:
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert superuser_client.get(url).status_code == 200, url
        expected_add = 200 if model_admin.has_add_permission(_Request()) else 403
        assert superuser_client.get(f"{url}add/").status_code == expected_add, url


class _Request:
    """Just enough of a request for has_add_permission."""

    def __init__(self) -> None:
        self.user = User.objects.get(username="root")


def test_organisation_changes_are_audited(superuser_client):
    response = superuser_client.post(
        "/admin/access/organisation/add/",
        {"name": "Norwegian Refugee Council", "acronym": "NRC", "kind": "international_ngo", "is_active": "on"},
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(acronym="NRC")
    entry = AuditEntry.objects.get(target_type="access.organisation", target_id=str(organisation.pk))
    assert entry.action == "organisation.create"
    assert entry.actor.username == "root"
    assert entry.changes == {"via": "admin", "fields": ["acronym", "kind", "name"]}


def test_membership_scope_edited_with_areas_is_audited(superuser_client, areas):
    membership = MembershipFactory(organisation=OrganisationFactory(acronym="IOM"), areas=[areas["ML10"]])
    bystander = MembershipFactory(organisation=membership.organisation, areas=[areas["ML05"]])
    page = superuser_client.get(f"/admin/access/membership/{membership.pk}/change/")
    assert 'class="selectfilter"' in page.content.decode()  # filter_horizontal

    response = superuser_client.post(
        f"/admin/access/membership/{membership.pk}/change/",
        {
            "user": membership.user_id,
            "organisation": membership.organisation_id,
            "role": Role.REGISTRATION_OFFICER,
            "is_active": "on",
            "admin_areas": ["ML10", "ML0501"],
        },
    )
    assert response.status_code == 302
    assert set(Membership.objects.get(pk=membership.pk).admin_areas.values_list("pcode", flat=True)) == {
        "ML10",
        "ML0501",
    }
    entry = AuditEntry.objects.get(target_type="access.membership")
    assert (entry.action, entry.changes) == ("membership.update", {"via": "admin", "fields": ["admin_areas"]})
    assert list(bystander.admin_areas.values_list("pcode", flat=True)) == ["ML05"]


def test_programme_admin_audits_deletion(superuser_client):
    programme = Programme.objects.create(code="NFI-22", name="NFI", organisation=OrganisationFactory())
    response = superuser_client.post(f"/admin/assistance/programme/{programme.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Programme.objects.exists()
    entry = AuditEntry.objects.get(target_type="assistance.programme")
    assert (entry.action, entry.target_id) == ("programme.delete", str(programme.pk))


def test_api_tokens_show_no_secret_and_are_revoked_not_edited(superuser_client):
    token, plain = token_create(actor=None, user=UserFactory(username="clerk"), name="sync")
    bystander, _ = token_create(actor=None, user=UserFactory(username="other"), name="sync")
    page = superuser_client.get(f"/admin/access/apitoken/{token.pk}/change/").content.decode()
    assert token.key_hash in page
    assert plain not in page
    assert superuser_client.get("/admin/access/apitoken/add/").status_code == 403
    assert superuser_client.post(f"/admin/access/apitoken/{token.pk}/change/", {"name": "x"}).status_code == 403

    response = superuser_client.post(
        "/admin/access/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert response.status_code == 200
    token.refresh_from_db()
    bystander.refresh_from_db()
    assert token.revoked_at is not None
    assert bystander.revoked_at is None
    assert AuditEntry.objects.filter(action="api_token.revoke", target_id=str(token.pk)).count() == 1
    assert ApiToken.objects.count() == 2


def test_audit_entries_are_read_only(superuser_client, areas):
    household = household_saved(organisation=OrganisationFactory(acronym="IOM"))
    entry = AuditEntry.objects.get(target_id=str(household.pk))
    assert superuser_client.get(f"/admin/core/auditentry/{entry.pk}/change/").status_code == 200
    assert superuser_client.post(f"/admin/core/auditentry/{entry.pk}/change/", {"action": "x"}).status_code == 403
    assert superuser_client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == "household.create"


def test_household_admin_is_read_only_scoped_and_hides_numbers(client, areas):
    iom = OrganisationFactory(acronym="IOM")
    unhcr = OrganisationFactory(acronym="UNHCR")
    mine = household_saved(organisation=iom, phone="+223 76 12 34 56")
    theirs = household_saved(organisation=unhcr)
    staff = staff_with("view_household", "view_individual")
    MembershipFactory(user=staff, organisation=iom, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]])
    client.force_login(staff)

    listing = client.get("/admin/registry/household/").content.decode()
    assert mine.registration_number in listing
    assert theirs.registration_number not in listing
    page = client.get(f"/admin/registry/household/{mine.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Fatoumata" in text  # names, for a role that reads personal data
    assert "76123456" not in text
    assert mine.phone_encrypted not in text
    assert mine.phone_hash not in text
    assert 'name="_save"' not in text
    assert client.get(f"/admin/registry/household/{theirs.pk}/change/").status_code == 302
    assert client.post(f"/admin/registry/household/{mine.pk}/change/", {"status": "inactive"}).status_code == 403
    assert Household.objects.get(pk=mine.pk).status == "registered"

    individuals = client.get("/admin/registry/individual/").content.decode()
    assert individuals.count(mine.registration_number) == 3
    assert theirs.registration_number not in individuals


def test_partner_viewer_staff_sees_no_household_in_the_admin(client, areas):
    iom = OrganisationFactory(acronym="IOM")
    household = household_saved(organisation=iom)
    staff = staff_with("view_household")
    MembershipFactory(user=staff, organisation=iom, role=Role.PARTNER_VIEWER, all_areas=True)
    client.force_login(staff)
    assert household.registration_number not in client.get("/admin/registry/household/").content.decode()
