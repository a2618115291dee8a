"""Site services: validation, scope of the shelter officer, audit of the fields changed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from abri.access.models import Membership, Organisation, Role
from abri.core.errors import PermissionDenied, ValidationFailed
from abri.core.models import AuditEntry
from abri.geo.models import AdminArea, Site
from abri.geo.services import site_create, site_update
from abri.geo.tests.factories import AdminAreaFactory, SiteFactory


@pytest.fixture
def areas() -> dict[str, AdminArea]:
    menaka = AdminAreaFactory(pcode="ML10", name="Menaka", name_fr="Ménaka")
    mopti = AdminAreaFactory(pcode="ML05", name="Mopti")
    return {
        "ML10": menaka,
        "ML1001": AdminAreaFactory(pcode="ML1001", level=2, parent=menaka, name="Menaka", name_fr="Ménaka"),
        "ML05": mopti,
        "ML0501": AdminAreaFactory(pcode="ML0501", level=2, parent=mopti, name="Bandiagara"),
    }


def member(username: str, role: str, *areas: AdminArea) -> User:
    organisation, _ = Organisation.objects.get_or_create(
        acronym="IOM", defaults={"name": "International Organization for Migration", "kind": "un_agency"}
    )
    user = User.objects.create_user(username=username, password="x")
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    membership.admin_areas.set(areas)
    return user


@pytest.mark.django_db
def test_create_site_stores_values_and_audits_field_names(areas: dict[str, AdminArea]) -> None:
    officer = member("shelter.menaka", Role.SHELTER_OFFICER, areas["ML10"])

    site = site_create(
        actor=officer,
        admin_area=areas["ML1001"],
        name="  Site de Ménaka-Est ",
        kind=Site.Kind.SPONTANEOUS_SITE,
        latitude=15.918,
        longitude="2,405",
        capacity=1200,
    )

    site.refresh_from_db()
    assert (site.name, site.admin_area_id, site.latitude, site.longitude, site.capacity) == (
        "Site de Ménaka-Est",
        "ML1001",
        Decimal("15.918000"),
        Decimal("2.405000"),
        1200,
    )
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_id) == ("site_created", officer, str(site.pk))
    assert "Ménaka" not in str(entry.changes)


@pytest.mark.django_db
def test_invalid_site_is_refused_with_every_problem_and_not_written(areas: dict[str, AdminArea]) -> None:
    SiteFactory(admin_area=areas["ML0501"], name="Musée de Bandiagara")

    with pytest.raises(ValidationFailed) as raised:
        site_create(
            actor=None,
            admin_area=areas["ML0501"],
            name="musée de bandiagara",
            kind="camp",
            latitude=95,
            longitude=None,
            area_hectares=0,
            capacity=-5,
        )

    assert raised.value.errors == {
        "name": ["Bandiagara already has a site of this name."],
        "kind": ["Choose one of: Collective centre, Planned site, Spontaneous site, Host community."],
        "latitude": ["Must be between -90 and 90."],
        "longitude": ["Give both latitude and longitude, or neither."],
        "area_hectares": ["The area must be more than zero."],
        "capacity": ["The capacity is a number of people, zero or more."],
    }
    assert Site.objects.count() == 1
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_shelter_officer_cannot_create_outside_scope_and_registration_officer_not_at_all(
    areas: dict[str, AdminArea],
) -> None:
    shelter_menaka = member("shelter.menaka", Role.SHELTER_OFFICER, areas["ML10"])
    registration = member("registration.bandiagara", Role.REGISTRATION_OFFICER, areas["ML0501"])

    with pytest.raises(PermissionDenied):
        site_create(actor=shelter_menaka, admin_area=areas["ML0501"], name="Site A", kind=Site.Kind.PLANNED_SITE)
    with pytest.raises(PermissionDenied):
        site_create(actor=registration, admin_area=areas["ML0501"], name="Site A", kind=Site.Kind.PLANNED_SITE)

    assert Site.objects.count() == 0


@pytest.mark.django_db
def test_update_changes_only_the_given_fields_and_audits_them(areas: dict[str, AdminArea]) -> None:
    site = SiteFactory(admin_area=areas["ML0501"], name="Site de relocalisation", kind=Site.Kind.PLANNED_SITE)
    bystander = SiteFactory(admin_area=areas["ML0501"], name="Musée", kind=Site.Kind.COLLECTIVE_CENTRE, capacity=500)

    updated = site_update(actor=None, site=site, data={"capacity": 500, "area_hectares": "3"})
    site_update(actor=None, site=updated, data={"capacity": 500})  # no change: no audit

    site.refresh_from_db()
    bystander.refresh_from_db()
    assert (site.capacity, site.area_hectares, site.kind) == (500, Decimal("3.00"), Site.Kind.PLANNED_SITE)
    assert (bystander.capacity, bystander.area_hectares) == (500, None)
    assert list(AuditEntry.objects.values_list("action", "changes")) == [
        ("site_updated", {"fields": ["area_hectares", "capacity"]})
    ]


@pytest.mark.django_db
def test_update_refuses_unknown_fields_and_clashing_names(areas: dict[str, AdminArea]) -> None:
    site = SiteFactory(admin_area=areas["ML0501"], name="Site A")
    SiteFactory(admin_area=areas["ML0501"], name="Site B")

    with pytest.raises(ValidationFailed) as unknown:
        site_update(actor=None, site=site, data={"created_at": None})
    with pytest.raises(ValidationFailed) as clash:
        site_update(actor=None, site=site, data={"name": "SITE B"})

    assert unknown.value.errors == {"created_at": ["This field cannot be changed here."]}
    assert clash.value.errors == {"name": ["Bandiagara already has a site of this name."]}
    site.refresh_from_db()
    assert site.name == "Site A"
