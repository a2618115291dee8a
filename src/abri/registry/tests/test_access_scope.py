"""Who sees which households: organisation × admin areas (with descendants) × programmes, deny by default."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from abri.access.models import Role
from abri.access.roles import CHANGE_HOUSEHOLD, PERMISSIONS, VIEW_AUDIT, VIEW_HOUSEHOLD, VIEW_PERSONAL_DATA
from abri.access.selectors import scope_for, scope_q, user_has_permission
from abri.access.tests.factories import MembershipFactory, ProgrammeFactory, UserFactory
from abri.core.errors import NotFound, PermissionDenied, ValidationFailed
from abri.registry.access import (
    access_household_by_number,
    access_household_for_change,
    access_individual_by_id,
    households_visible,
    individuals_visible,
    registering_organisation,
)
from abri.registry.models import Household
from abri.registry.shown import personal_data_visible
from abri.registry.tests.factories import household_saved

pytestmark = pytest.mark.django_db


@pytest.fixture
def households(areas, iom, unhcr):
    """IOM in two Ménaka cercles and in Bandiagara (Mopti); UNHCR in Ménaka cercle."""
    return {
        "iom_menaka": household_saved(organisation=iom, admin_area="ML1001"),
        "iom_anderamboukane": household_saved(organisation=iom, admin_area="ML1002"),
        "iom_bandiagara": household_saved(organisation=iom, admin_area="ML0501", origin_area="ML1002"),
        "unhcr_menaka": household_saved(organisation=unhcr, admin_area="ML1001"),
    }


def visible(user, permission=VIEW_HOUSEHOLD) -> set[str]:
    scope = scope_for(user=user)
    return set(households_visible(scope=scope, permission=permission).values_list("registration_number", flat=True))


def numbers(households, *keys) -> set[str]:
    return {households[key].registration_number for key in keys}


# What an IOM member in ML10 (Ménaka region) may do, role by role. Pinned here, independent of roles.py.
READS_PERSONAL = {
    Role.ADMINISTRATOR,
    Role.REGISTRATION_OFFICER,
    Role.TARGETING_OFFICER,
    Role.COMMITTEE_SECRETARY,
    Role.DISTRIBUTION_OFFICER,
    Role.SHELTER_OFFICER,
    Role.INFORMATION_MANAGEMENT_OFFICER,
}
CHANGES = {Role.ADMINISTRATOR, Role.REGISTRATION_OFFICER}
SEES_NOTHING = {Role.WAREHOUSE_OFFICER}
READS_AUDIT = {Role.ADMINISTRATOR, Role.AUDITOR}


def test_every_role_is_in_the_permission_table():
    assert set(PERMISSIONS) == set(Role)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_in_menaka_sees_exactly_its_households(role, areas, iom, households):
    user = MembershipFactory(organisation=iom, role=role, areas=[areas["ML10"]]).user
    menaka = numbers(households, "iom_menaka", "iom_anderamboukane")

    assert visible(user) == (set() if role in SEES_NOTHING else menaka)
    assert visible(user, VIEW_PERSONAL_DATA) == (menaka if role in READS_PERSONAL else set())
    assert visible(user, CHANGE_HOUSEHOLD) == (menaka if role in CHANGES else set())
    assert visible(user, VIEW_AUDIT) == (menaka if role in READS_AUDIT else set())


def test_registration_officer_of_iom_in_menaka_region(areas, iom, households):
    user = MembershipFactory(organisation=iom, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]]).user
    scope = scope_for(user=user)

    assert visible(user) == numbers(households, "iom_menaka", "iom_anderamboukane")
    # Not IOM's households in Mopti (ML05), not UNHCR's in Ménaka.
    for key in ("iom_bandiagara", "unhcr_menaka"):
        with pytest.raises(NotFound):
            access_household_by_number(scope=scope, number=households[key].registration_number)
    found = access_household_by_number(scope=scope, number=households["iom_anderamboukane"].registration_number)
    assert found == households["iom_anderamboukane"]


def test_a_cercle_does_not_cover_its_sibling_cercles(areas, iom, households):
    user = MembershipFactory(organisation=iom, areas=[areas["ML1001"]]).user
    assert visible(user) == numbers(households, "iom_menaka")


def test_all_areas_covers_the_organisation_everywhere_and_nothing_else(iom, households):
    user = MembershipFactory(organisation=iom, all_areas=True).user
    assert visible(user) == numbers(households, "iom_menaka", "iom_anderamboukane", "iom_bandiagara")


def test_memberships_add_up(areas, iom, unhcr, households):
    user = MembershipFactory(organisation=iom, role=Role.PARTNER_VIEWER, areas=[areas["ML05"]]).user
    MembershipFactory(user=user, organisation=unhcr, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]])

    assert visible(user) == numbers(households, "iom_bandiagara", "unhcr_menaka")
    assert visible(user, VIEW_PERSONAL_DATA) == numbers(households, "unhcr_menaka")
    scope = scope_for(user=user)
    assert not personal_data_visible(scope=scope, household=households["iom_bandiagara"])
    assert personal_data_visible(scope=scope, household=households["unhcr_menaka"])


def test_partner_viewer_sees_households_but_not_personal_data(areas, iom, households):
    user = MembershipFactory(organisation=iom, role=Role.PARTNER_VIEWER, areas=[areas["ML10"]]).user
    scope = scope_for(user=user)

    assert visible(user) == numbers(households, "iom_menaka", "iom_anderamboukane")
    assert not personal_data_visible(scope=scope, household=households["iom_menaka"])
    with pytest.raises(PermissionDenied):
        access_household_for_change(scope=scope, number=households["iom_menaka"].registration_number)


def test_warehouse_officer_sees_no_household_nor_individual(areas, iom, households):
    user = MembershipFactory(organisation=iom, role=Role.WAREHOUSE_OFFICER, all_areas=True).user
    scope = scope_for(user=user)

    assert visible(user) == set()
    assert not individuals_visible(scope=scope).exists()
    with pytest.raises(NotFound):
        access_household_for_change(scope=scope, number=households["iom_menaka"].registration_number)


@pytest.mark.parametrize(
    "disable",
    [
        pytest.param(lambda membership: setattr(membership, "is_active", False), id="inactive membership"),
        pytest.param(lambda membership: setattr(membership.organisation, "is_active", False), id="inactive org"),
        pytest.param(lambda membership: setattr(membership.user, "is_active", False), id="inactive user"),
    ],
)
def test_anything_inactive_sees_nothing(disable, iom, households):
    membership = MembershipFactory(organisation=iom, role=Role.ADMINISTRATOR, all_areas=True)
    disable(membership)
    for record in (membership, membership.organisation, membership.user):
        record.save()
    user = type(membership.user).objects.get(pk=membership.user_id)

    assert visible(user) == set()
    assert not user_has_permission(user=user, permission=VIEW_HOUSEHOLD)


def test_a_membership_without_areas_sees_nothing(iom, households):
    user = MembershipFactory(organisation=iom, role=Role.ADMINISTRATOR, all_areas=False).user
    assert visible(user) == set()
    # It still holds the permission; it just covers no record.
    assert user_has_permission(user=user, permission=VIEW_HOUSEHOLD)


def test_no_membership_and_anonymous_see_nothing(households):
    assert visible(UserFactory()) == set()
    assert visible(AnonymousUser()) == set()
    assert not Household.objects.filter(scope_q(user=AnonymousUser(), permission=VIEW_HOUSEHOLD)).exists()


def test_superuser_sees_everything_unless_inactive(households):
    superuser = UserFactory(is_superuser=True)
    assert visible(superuser) == numbers(households, *households)
    superuser.is_active = False
    superuser.save()
    assert visible(superuser) == set()


def test_individuals_follow_their_household(areas, iom, households):
    user = MembershipFactory(organisation=iom, areas=[areas["ML1002"]]).user
    scope = scope_for(user=user)
    mine = households["iom_anderamboukane"]

    assert set(individuals_visible(scope=scope)) == set(mine.members.all())
    other_member = households["iom_menaka"].members.first()
    with pytest.raises(NotFound):
        access_individual_by_id(scope=scope, individual_id=other_member.pk)
    assert access_individual_by_id(scope=scope, individual_id=mine.head_id).household == mine


def test_not_allowed_and_missing_look_the_same(areas, iom, households):
    scope = scope_for(user=MembershipFactory(organisation=iom, areas=[areas["ML05"]]).user)
    with pytest.raises(NotFound) as hidden:
        access_household_by_number(scope=scope, number=households["unhcr_menaka"].registration_number)
    with pytest.raises(NotFound) as missing:
        access_household_by_number(scope=scope, number="IOM-22-999999")
    assert type(hidden.value) is type(missing.value)
    assert str(hidden.value).replace(households["unhcr_menaka"].registration_number, "N") == str(missing.value).replace(
        "IOM-22-999999", "N"
    )


def test_scope_for_reads_memberships_in_three_queries(django_assert_num_queries, areas, iom, unhcr):
    user = MembershipFactory(organisation=iom, areas=[areas["ML10"]]).user
    MembershipFactory(user=user, organisation=unhcr, areas=[areas["ML05"]])
    with django_assert_num_queries(3):  # memberships, their areas, their programmes
        scope = scope_for(user=user)
    with django_assert_num_queries(0):
        assert scope.covers(VIEW_HOUSEHOLD, organisation_id=iom.pk, area_pcode="ML100101")
        assert not scope.covers(VIEW_HOUSEHOLD, organisation_id=iom.pk, area_pcode="ML0501")
        scope.q(VIEW_HOUSEHOLD)


def test_programme_axis(areas, iom):
    nfi = ProgrammeFactory(code="NFI-22", name="NFI Ménaka", organisation=iom)
    shelter = ProgrammeFactory(code="SHELTER-22", name="Shelter Bandiagara", organisation=iom)
    named = MembershipFactory(organisation=iom, all_areas=True, programme_list=[nfi]).user
    every = MembershipFactory(organisation=iom, all_areas=True, all_programmes=True).user
    none = MembershipFactory(organisation=iom, all_areas=True).user

    def programmes(user) -> set[str]:
        condition = scope_for(user=user).q(VIEW_HOUSEHOLD, area_field=None, programme_field="pk")
        return set(ProgrammeFactory._meta.get_model_class().objects.filter(condition).values_list("code", flat=True))

    assert programmes(named) == {"NFI-22"}
    assert programmes(every) == {"NFI-22", "SHELTER-22"}
    assert programmes(none) == set()
    scope = scope_for(user=named)
    assert scope.covers(
        VIEW_HOUSEHOLD, organisation_id=iom.pk, area_pcode="ML10", programme_id=nfi.pk, programme_bound=True
    )
    assert not scope.covers(
        VIEW_HOUSEHOLD, organisation_id=iom.pk, area_pcode="ML10", programme_id=shelter.pk, programme_bound=True
    )


def test_registering_organisation(areas, iom, unhcr):
    officer = MembershipFactory(organisation=iom, areas=[areas["ML10"]]).user
    assert registering_organisation(scope=scope_for(user=officer), admin_area="ML1003") == iom
    with pytest.raises(PermissionDenied):
        registering_organisation(scope=scope_for(user=officer), admin_area="ML0501")
    with pytest.raises(PermissionDenied):
        registering_organisation(scope=scope_for(user=officer), admin_area="ML1003", acronym="UNHCR")

    MembershipFactory(user=officer, organisation=unhcr, areas=[areas["ML1003"]])
    with pytest.raises(ValidationFailed) as ambiguous:
        registering_organisation(scope=scope_for(user=officer), admin_area="ML1003")
    assert list(ambiguous.value.errors) == ["organisation"]
    assert registering_organisation(scope=scope_for(user=officer), admin_area="ML1003", acronym="UNHCR") == unhcr

    viewer = MembershipFactory(organisation=iom, role=Role.PARTNER_VIEWER, all_areas=True).user
    with pytest.raises(PermissionDenied):
        registering_organisation(scope=scope_for(user=viewer), admin_area="ML1001")

    superuser = UserFactory(is_superuser=True)
    with pytest.raises(ValidationFailed):
        registering_organisation(scope=scope_for(user=superuser), admin_area="ML1001")
    assert registering_organisation(scope=scope_for(user=superuser), admin_area="ML1001", acronym="IOM") == iom
