"""The Bandiagara relocation of the reference scenario, September–December 2022.

About 500 people of 60 households lived in the Bandiagara museum (a collective centre). On
15 September 2022 they were moved together to a 3-hectare planned site laid out in six blocks of
ten plots, where each household received a temporary shelter; by the end of November an
improved semi-hard shelter stood on each plot, built with tarpaulins, rope and poles issued from
IOM's Bandiagara warehouse (a shelter kit each), and each household moved into its own. The
temporary shelters were then decommissioned and the museum closed.

Loaded through the services, as the shelter officer of Bandiagara would have done it.
Idempotent: once the relocation is there, nothing is added.
"""

from __future__ import annotations

import datetime
from typing import Protocol

from django.contrib.auth.models import User

from abri.access.models import Organisation
from abri.access.selectors import scope_for
from abri.assistance.models import WitnessKind
from abri.geo.models import AdminArea, Site
from abri.geo.services import site_update
from abri.registry.models import Household
from abri.shelter.models import Relocation, ServiceKind, ShelterStatus, ShelterType
from abri.shelter.services import (
    WitnessInput,
    allocation_end,
    allocation_record,
    plots_lay_out,
    population_record,
    relocation_record,
    site_profile_set,
    site_service_set,
    unit_create,
    unit_materials_issue,
    unit_move,
)
from abri.stock.models import Kit, MovementKind, Warehouse
from abri.stock.services import kit_lines, movements_record, warehouse_create

MUSEUM = "Musée de Bandiagara"
PLANNED_SITE = "Site de relocalisation de Bandiagara"
OFFICER = "shelter.bandiagara"
COUNTED_ON = datetime.date(2022, 9, 1)
MOVED_ON = datetime.date(2022, 9, 15)
BLOCKS = ("A", "B", "C", "D", "E", "F")
PLOTS_PER_BLOCK = 10
TYPES = (
    ("EMERGENCY_TENT", "Tente d'urgence", "Emergency tent"),
    ("TEMPORARY", "Abri temporaire", "Temporary shelter"),
    ("SEMI_HARD", "Abri semi-durable amélioré", "Improved semi-hard shelter"),
    ("TRANSITIONAL", "Abri de transition", "Transitional shelter"),
    ("OTHER", "Autre", "Other"),
)
# site, service, count, working
SERVICES = (
    (MUSEUM, ServiceKind.LATRINE, 4, 3),
    (MUSEUM, ServiceKind.WATER_POINT, 1, 1),
    (PLANNED_SITE, ServiceKind.WATER_POINT, 3, 3),
    (PLANNED_SITE, ServiceKind.LATRINE, 12, 12),
    (PLANNED_SITE, ServiceKind.SHOWER, 6, 6),
    (PLANNED_SITE, ServiceKind.LIGHTING, 10, 8),
)
SUPPORTING = {MUSEUM: ("UNHCR", "DRDSES-Mopti"), PLANNED_SITE: ("UNHCR", "UNDP", "UNICEF", "OCHA", "DRDSES-Mopti")}
WAREHOUSE = ("BDG-01", "Magasin OIM de Bandiagara", "ML0501")
RECEIPT = "UNHCR-2022-SHL-031"
RECEIVED_ON = datetime.date(2022, 10, 5)
RECEIPT_KITS = 62  # a shelter kit for each of the 60 shelters, and two spare
WITNESSES = (
    WitnessInput(name="Moussa Guindo", kind=WitnessKind.AUTHORITY, title="Préfet du cercle de Bandiagara"),
    WitnessInput(name="Yacouba Dolo", kind=WitnessKind.COMMUNITY_LEADER, title="Représentant des déplacés du musée"),
)
TEMPORARY_BUILT = (datetime.date(2022, 9, 8), datetime.date(2022, 9, 10), datetime.date(2022, 9, 14))
SEMI_HARD = {
    ShelterStatus.PLANNED: datetime.date(2022, 10, 1),
    ShelterStatus.MATERIALS_DELIVERED: datetime.date(2022, 10, 10),
    ShelterStatus.UNDER_CONSTRUCTION: datetime.date(2022, 10, 17),
    ShelterStatus.COMPLETED: datetime.date(2022, 11, 25),
}
HANDED_OVER_ON = datetime.date(2022, 11, 30)
DECOMMISSIONED_ON = datetime.date(2022, 12, 5)
REWORKED = "F-10"  # its roof was torn off by a storm before hand-over: back under construction, with the reason
REWORK_REASON = "Toiture arrachée par le vent le 27/11, bâche remplacée"


class Counter(Protocol):
    def count(self, name: str, *, created: int, kept: int) -> None: ...


def _warehouse(iom: Organisation, donor: Organisation) -> Warehouse:
    code, name, pcode = WAREHOUSE
    warehouse = Warehouse.objects.filter(code=code).first()
    if warehouse is None:
        warehouse = warehouse_create(
            actor=None, code=code, name=name, organisation=iom, admin_area=AdminArea.objects.get(pk=pcode)
        )
        version = Kit.objects.get(code="SHELTER").versions.order_by("-number").first()
        assert version is not None  # the stock demo creates the shelter kit
        movements_record(
            actor=None,
            kind=MovementKind.RECEIPT,
            warehouse=warehouse,
            lines=kit_lines(version, RECEIPT_KITS),
            consignment=RECEIPT,
            donor=donor,
            occurred_on=RECEIVED_ON,
        )
    return warehouse


def shelter_demo_load(*, result: Counter, organisations: dict[str, Organisation]) -> None:
    """The museum and the planned site, the relocation of the 60 households, their temporary shelters,
    then the 60 semi-hard shelters with their tarpaulins from stock."""
    if Relocation.objects.filter(origin__name=MUSEUM, destination__name=PLANNED_SITE).exists():
        result.count("relocations", created=0, kept=1)
        return
    officer = User.objects.get(username=OFFICER)
    scope = scope_for(user=officer)
    sites = {site.name: site for site in Site.objects.filter(name__in=[MUSEUM, PLANNED_SITE])}
    museum, planned = sites[MUSEUM], sites[PLANNED_SITE]
    for code, name_fr, name_en in TYPES:
        ShelterType.objects.get_or_create(code=code, defaults={"name_fr": name_fr, "name_en": name_en})
    types = {kind.code: kind for kind in ShelterType.objects.all()}
    iom = organisations["IOM"]
    for name, site in sites.items():
        supporting = [organisations[acronym] for acronym in SUPPORTING[name]]
        site_profile_set(actor=officer, scope=scope, site=site, organisation=iom, supporting=supporting)
    for name, kind, count, working in SERVICES:
        site_service_set(actor=officer, scope=scope, site=sites[name], kind=kind, count=count, working=working)
    population_record(actor=officer, site=museum, counted_on=COUNTED_ON)
    plots = plots_lay_out(actor=officer, scope=scope, site=planned, blocks=BLOCKS, per_block=PLOTS_PER_BLOCK)
    households = list(Household.objects.filter(site=museum).order_by("registration_number"))
    relocation_record(
        actor=officer,
        scope=scope,
        origin=museum,
        destination=planned,
        household_ids=[household.pk for household in households],
        moved_on=MOVED_ON,
        note="Relocalisation des ménages du musée vers le site aménagé de 3 ha",
    )
    site_update(actor=officer, site=museum, data={"is_open": False})
    warehouse = _warehouse(iom, organisations["UNHCR"])
    version = Kit.objects.get(code="SHELTER").versions.order_by("-number").first()
    assert version is not None
    tarpaulin_kit = kit_lines(version, 1)
    created = 0
    for plot, household in zip(plots, households, strict=False):
        temporary = unit_create(
            actor=officer,
            scope=scope,
            site=planned,
            code=f"T-{plot.code}",
            shelter_type=types["TEMPORARY"],
            plot=plot,
            built_by=iom,
            planned_on=TEMPORARY_BUILT[0],
        )
        for status, on in zip(
            (ShelterStatus.MATERIALS_DELIVERED, ShelterStatus.UNDER_CONSTRUCTION, ShelterStatus.COMPLETED),
            TEMPORARY_BUILT,
            strict=True,
        ):
            temporary = unit_move(actor=officer, scope=scope, unit=temporary, status=status, on=on)
        first = allocation_record(
            actor=officer, scope=scope, unit=temporary, household=household, on=MOVED_ON, witnesses=WITNESSES
        )
        semi_hard = unit_create(
            actor=officer,
            scope=scope,
            site=planned,
            code=f"S-{plot.code}",
            shelter_type=types["SEMI_HARD"],
            plot=plot,
            built_by=iom,
            planned_on=SEMI_HARD[ShelterStatus.PLANNED],
        )
        unit_materials_issue(
            actor=officer,
            scope=scope,
            unit=semi_hard,
            warehouse=warehouse,
            lines=tarpaulin_kit,
            on=SEMI_HARD[ShelterStatus.MATERIALS_DELIVERED],
        )
        for status in (ShelterStatus.UNDER_CONSTRUCTION, ShelterStatus.COMPLETED):
            semi_hard = unit_move(actor=officer, scope=scope, unit=semi_hard, status=status, on=SEMI_HARD[status])
        if plot.code == REWORKED:
            semi_hard = unit_move(
                actor=officer,
                scope=scope,
                unit=semi_hard,
                status=ShelterStatus.UNDER_CONSTRUCTION,
                on=datetime.date(2022, 11, 27),
                reason=REWORK_REASON,
            )
            semi_hard = unit_move(
                actor=officer,
                scope=scope,
                unit=semi_hard,
                status=ShelterStatus.COMPLETED,
                on=datetime.date(2022, 11, 29),
            )
        allocation_end(
            actor=officer,
            scope=scope,
            allocation=first,
            on=HANDED_OVER_ON,
            reason="Le ménage emménage dans son abri semi-durable",
        )
        allocation_record(
            actor=officer, scope=scope, unit=semi_hard, household=household, on=HANDED_OVER_ON, witnesses=WITNESSES
        )
        unit_move(actor=officer, scope=scope, unit=temporary, status=ShelterStatus.DECOMMISSIONED, on=DECOMMISSIONED_ON)
        created += 2
    result.count("shelters", created=created, kept=0)
    result.count("relocations", created=1, kept=0)
