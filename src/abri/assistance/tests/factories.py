"""A Ménaka distribution with its kit, stock, officers and entitled households, for assistance tests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone

from abri.access.models import Membership, Organisation, Role
from abri.access.selectors import scope_for
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.assistance.models import Distribution, Entitlement, Programme
from abri.assistance.services import (
    distribution_dispatch,
    distribution_households_add,
    distribution_open,
    distribution_plan,
)
from abri.geo.tests.factories import mali_areas
from abri.registry.models import Household
from abri.registry.tests.factories import household_saved, member_input
from abri.stock.models import MovementKind
from abri.stock.services import kit_lines, movements_record
from abri.stock.tests.factories import nfi_kit, warehouse

FIRST_DAY = datetime.date(2022, 12, 2)
LAST_DAY = datetime.date(2022, 12, 5)


@dataclass
class Setting:
    iom: Organisation
    programme: Programme
    distribution: Distribution
    officer: User
    households: list[Household]
    entitlements: list[Entitlement]


def setting(
    *, households: int = 3, kits: int = 3, open_it: bool = True, code: str = "MNK-NFI-2022-12", today=None
) -> Setting:
    """A distribution of the NFI kit in Ménaka from 2 to 5 December 2022 (or around ``today``), with
    ``households`` entitled households and ``kits`` kits dispatched from a stocked warehouse."""
    areas = mali_areas()
    iom = OrganisationFactory(acronym="IOM")
    programme, _created = Programme.objects.get_or_create(
        code="MLI-MNK-NFI-2022", defaults={"name": "NFI Ménaka 2022", "organisation": iom}
    )
    officer = UserFactory(username="distribution.menaka", first_name="Boubacar", last_name="Cissé")
    if not Membership.objects.filter(user=officer).exists():
        MembershipFactory(
            user=officer,
            organisation=iom,
            role=Role.DISTRIBUTION_OFFICER,
            areas=[areas["ML10"]],
            programme_list=[programme],
        )
    admin = UserFactory(username="admin.abri", is_superuser=True)
    store = warehouse(organisation=iom)
    version = nfi_kit().versions.get(number=1)
    movements_record(
        actor=None,
        kind=MovementKind.RECEIPT,
        warehouse=store,
        lines=kit_lines(version, 400),
        consignment="WB-MNK-2022-118",
    )
    starts = today or FIRST_DAY
    distribution = distribution_plan(
        actor=officer,
        scope=scope_for(user=officer),
        code=code,
        name="Kits ANA Ménaka",
        programme=programme,
        admin_area=areas["ML1001"],
        starts_on=starts,
        ends_on=starts + datetime.timedelta(days=3),
        kit=nfi_kit(),
        warehouse=store,
        points=["École de Ménaka", "Site Nord"],
    )
    saved = [
        household_saved(
            organisation=iom,
            members=[member_input(given_names=f"Fatoumata{chr(65 + number)}", family_name="Maïga")],
        )
        for number in range(households)
    ]
    entitlements = distribution_households_add(
        actor=officer, scope=scope_for(user=officer), distribution=distribution, households=saved
    )
    if kits:
        distribution_dispatch(actor=admin, scope=scope_for(user=admin), distribution=distribution, kits=kits)
    if open_it:
        distribution_open(actor=officer, scope=scope_for(user=officer), distribution=distribution)
    distribution.refresh_from_db()
    return Setting(iom, programme, distribution, officer, saved, sorted(entitlements, key=lambda e: e.household_id))


def on_day(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """A moment of ``day`` in Abri's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
