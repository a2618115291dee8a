"""Sites, shelter types, units, an officer and households of Bandiagara for shelter tests."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User

from abri.access.models import Organisation, Role
from abri.access.selectors import Scope, scope_for
from abri.access.tests.factories import MembershipFactory, UserFactory
from abri.geo.models import AdminArea, Site
from abri.geo.tests.factories import SiteFactory
from abri.registry.models import Household
from abri.registry.tests.factories import household_saved, member_input
from abri.shelter.models import ShelterStatus, ShelterType, ShelterUnit, SiteProfile
from abri.shelter.services import unit_create, unit_move

BUILT_ON = datetime.date(2022, 9, 20)
TYPES = (
    ("TEMPORARY", "Abri temporaire", "Temporary shelter"),
    ("SEMI_HARD", "Abri semi-durable amélioré", "Improved semi-hard shelter"),
)


def shelter_types() -> dict[str, ShelterType]:
    for code, name_fr, name_en in TYPES:
        ShelterType.objects.get_or_create(code=code, defaults={"name_fr": name_fr, "name_en": name_en})
    return {kind.code: kind for kind in ShelterType.objects.all()}


def site(*, area: AdminArea, organisation: Organisation, name: str, capacity: int | None = 20, **values) -> Site:
    """A site of ``area`` whose shelter work ``organisation`` runs."""
    made = SiteFactory(name=name, admin_area=area, capacity=capacity, managed_by=organisation, **values)
    SiteProfile.objects.create(site=made, organisation=organisation)
    return made


def officer(*, organisation: Organisation, area: AdminArea, role: str = Role.SHELTER_OFFICER, name: str = "") -> User:
    membership = MembershipFactory(
        user=UserFactory(username=name or f"{role}.{area.pcode}"), organisation=organisation, role=role, areas=[area]
    )
    return membership.user


def scope_of(user: User) -> Scope:
    return scope_for(user=user)


def household_at(*, organisation: Organisation, at: Site, members: int = 3) -> Household:
    """A household of ``members`` people living at ``at`` (Bandiagara), arrived in August 2022."""
    people = [member_input()] + [
        member_input(given_names=f"Enfant {n}", relationship="child", birth_date=datetime.date(2012, 1, n))
        for n in range(1, members)
    ]
    return household_saved(
        organisation=organisation,
        admin_area=at.admin_area_id,
        site_id=at.pk,
        origin_area="ML0501",
        departure_date=datetime.date(2022, 7, 1),
        arrival_date=datetime.date(2022, 8, 1),
        members=people,
    )


def unit_completed(*, user: User, at: Site, code: str, kind: str = "SEMI_HARD") -> ShelterUnit:
    """A shelter of ``at`` built to completion on BUILT_ON."""
    scope = scope_of(user)
    unit = unit_create(
        actor=user, scope=scope, site=at, code=code, shelter_type=shelter_types()[kind], planned_on=BUILT_ON
    )
    for status in (ShelterStatus.MATERIALS_DELIVERED, ShelterStatus.UNDER_CONSTRUCTION, ShelterStatus.COMPLETED):
        unit = unit_move(actor=user, scope=scope, unit=unit, status=status, on=BUILT_ON)
    return unit
