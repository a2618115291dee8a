"""The reference scenario of Abri (`abri demo`): Ménaka NFI response, December 2022, and the
Bandiagara relocation, September 2022.

In December 2022 an IOM team in Ménaka handed NFI kits to 335 displaced households who had fled
clashes in the Ménaka, Anderamboukane and Inékar cercles; in September 2022, about 500 people of
60 households living in the Bandiagara museum were moved to a 3-hectare planned site. The people
are synthetic (`abri.synth`, fixed seeds): believable, never real.

As happens in the field, a few Ménaka households registered a second time, at another site a few
days later, their names spelled another way (`RE_REGISTERED`): the registry holds 341 records of
the 335 households, and a search for duplicates (`abri dedupe-registry`, or the Duplicates page)
proposes them for review.

Loading is idempotent: what exists is kept, what is missing is added. Households are registered
through the registry bulk service; sites through the geo services. Organisations, logins,
memberships and programmes have no write services yet, so they are created here, each with its
audit entry in the same transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import polars as pl
from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils.translation import gettext as _

from abri.access.models import DataSharingAgreement, Membership, Organisation, Role, SharingLevel
from abri.access.services import agreement_create
from abri.assistance.demo import distribution_demo_load
from abri.assistance.models import Programme
from abri.core import crypto
from abri.core.services import audit_record
from abri.geo.models import AdminArea, Site
from abri.geo.services import admin_areas_load, site_create
from abri.grievances.demo import targeting_and_grievances_demo_load
from abri.registry.inputs import HouseholdInput, IndividualInput
from abri.registry.models import BirthDatePrecision, Household, Individual
from abri.registry.services import household_create
from abri.reporting.demo import reporting_demo_load
from abri.shelter.demo import shelter_demo_load
from abri.synth.output import population_save
from abri.synth.people import SynthSpec, synth_population

# Printed by `abri demo` on purpose: demo data only, refused with the production settings.
DEMO_PASSWORD = "abri-demo-2022"  # noqa: S105 -- the demo's published password, printed by `abri demo`
MENAKA_HOUSEHOLDS = 335
BANDIAGARA_HOUSEHOLDS = 60
BANDIAGARA_PEOPLE = 500
MENAKA_SEED = 20221202
RE_REGISTERED = 6  # Ménaka households registered a second time (see `_re_registrations`)
RE_REGISTERED_ON = datetime.date(2022, 11, 28)
BANDIAGARA_SEED = 20220915

ORGANISATIONS = (
    ("IOM", "International Organization for Migration", Organisation.Kind.UN_AGENCY),
    ("UNHCR", "United Nations High Commissioner for Refugees", Organisation.Kind.UN_AGENCY),
    ("UNICEF", "United Nations Children's Fund", Organisation.Kind.UN_AGENCY),
    ("UNDP", "United Nations Development Programme", Organisation.Kind.UN_AGENCY),
    ("OCHA", "United Nations Office for the Coordination of Humanitarian Affairs", Organisation.Kind.UN_AGENCY),
    (
        "DRDSES-Ménaka",
        "Direction régionale du développement social et de l'économie solidaire de Ménaka",
        Organisation.Kind.GOVERNMENT,
    ),
    (
        "DRDSES-Mopti",
        "Direction régionale du développement social et de l'économie solidaire de Mopti",
        Organisation.Kind.GOVERNMENT,
    ),
    ("ILDM", "Initiative locale pour les déplacés de Ménaka", Organisation.Kind.NATIONAL_NGO),
)

PROGRAMMES = (
    (
        "MLI-MNK-NFI-2022",
        "Articles non alimentaires (ANA) — Ménaka, décembre 2022",
        "ML10",
        datetime.date(2022, 12, 2),
        datetime.date(2022, 12, 5),
    ),
    (
        "MLI-BDG-SHL-2022",
        "Abris semi-durables améliorés — relocalisation de Bandiagara, septembre 2022",
        "ML0501",
        datetime.date(2022, 9, 1),
        datetime.date(2022, 9, 30),
    ),
)

# name, kind, P-code, latitude, longitude, hectares, capacity, managed by
SITES = (
    ("Musée de Bandiagara", Site.Kind.COLLECTIVE_CENTRE, "ML0501", "14.3502", "-3.6106", None, 500, "DRDSES-Mopti"),
    ("Site de relocalisation de Bandiagara", Site.Kind.PLANNED_SITE, "ML0501", "14.3571", "-3.5987", "3", 500, "IOM"),
    ("Site de déplacés Ménaka Nord", Site.Kind.SPONTANEOUS_SITE, "ML1001", "15.9262", "2.4012", None, 1500, "IOM"),
    ("Site de déplacés Ménaka Est", Site.Kind.SPONTANEOUS_SITE, "ML1001", "15.9168", "2.4135", None, 1200, "IOM"),
    ("Familles d'accueil de Ménaka", Site.Kind.HOST_COMMUNITY, "ML1001", None, None, None, None, "DRDSES-Ménaka"),
)
MENAKA_SITE_SHARES = {
    "Site de déplacés Ménaka Nord": 0.45,
    "Site de déplacés Ménaka Est": 0.35,
    "Familles d'accueil de Ménaka": 0.20,
}

# username, first name, last name, role, organisation, areas (empty: all), programmes (empty: all)
LOGINS = (
    ("admin.abri", "Ousmane", "Diarra", Role.ADMINISTRATOR, "IOM", (), ()),
    ("registration.menaka", "Aminata", "Maïga", Role.REGISTRATION_OFFICER, "IOM", ("ML10",), ("MLI-MNK-NFI-2022",)),
    (
        "registration.bandiagara",
        "Hamidou",
        "Guindo",
        Role.REGISTRATION_OFFICER,
        "IOM",
        ("ML0501",),
        ("MLI-BDG-SHL-2022",),
    ),
    ("targeting.menaka", "Mohamed", "Ag Alhassane", Role.TARGETING_OFFICER, "IOM", ("ML10",), ("MLI-MNK-NFI-2022",)),
    ("committee.menaka", "Fatimata", "Walet Ahmed", Role.COMMITTEE_SECRETARY, "IOM", ("ML10",), ("MLI-MNK-NFI-2022",)),
    ("distribution.menaka", "Boubacar", "Cissé", Role.DISTRIBUTION_OFFICER, "IOM", ("ML10",), ("MLI-MNK-NFI-2022",)),
    ("warehouse.menaka", "Issa", "Touré", Role.WAREHOUSE_OFFICER, "IOM", ("ML10",), ("MLI-MNK-NFI-2022",)),
    ("shelter.bandiagara", "Kadidia", "Dolo", Role.SHELTER_OFFICER, "IOM", ("ML0501",), ("MLI-BDG-SHL-2022",)),
    ("im.mali", "Seydou", "Traoré", Role.INFORMATION_MANAGEMENT_OFFICER, "IOM", ("ML10", "ML0501"), ()),
    ("partner.unhcr", "Mariam", "Sidibé", Role.PARTNER_VIEWER, "UNHCR", ("ML10", "ML0501"), ("MLI-BDG-SHL-2022",)),
    ("auditor.iom", "Awa", "Coulibaly", Role.AUDITOR, "IOM", (), ()),
)


@dataclass
class DemoResult:
    """What `demo_load` found and did."""

    created: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    logins: list[dict[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether anything was added."""
        return any(self.created.values())

    def count(self, name: str, *, created: int, kept: int) -> None:
        self.created[name] = self.created.get(name, 0) + created
        self.kept[name] = self.kept.get(name, 0) + kept


def _created(model: type[models.Model], result: DemoResult, counter: str, /, **lookup: object) -> bool:
    exists = model._default_manager.filter(**lookup).exists()
    result.count(counter, created=0 if exists else 1, kept=1 if exists else 0)
    return not exists


def _organisations(result: DemoResult) -> dict[str, Organisation]:
    for acronym, name, kind in ORGANISATIONS:
        if _created(Organisation, result, "organisations", acronym=acronym):
            organisation = Organisation.objects.create(acronym=acronym, name=name, kind=kind)
            audit_record(actor=None, action="organisation.create", target=organisation, changes={"demo": True})
    return {organisation.acronym: organisation for organisation in Organisation.objects.all()}


def _programmes(result: DemoResult, iom: Organisation) -> dict[str, Programme]:
    for code, name, pcode, start, end in PROGRAMMES:
        if _created(Programme, result, "programmes", code=code):
            programme = Programme.objects.create(code=code, name=name, organisation=iom, start_date=start, end_date=end)
            programme.admin_areas.set(AdminArea.objects.filter(pk=pcode))
            audit_record(actor=None, action="programme.create", target=programme, changes={"demo": True})
    return {programme.code: programme for programme in Programme.objects.filter(code__in=[p[0] for p in PROGRAMMES])}


def _sites(result: DemoResult, organisations: dict[str, Organisation]) -> dict[str, Site]:
    for name, kind, pcode, latitude, longitude, hectares, capacity, manager in SITES:
        if _created(Site, result, "sites", admin_area_id=pcode, name=name):
            site_create(
                actor=None,
                admin_area=AdminArea.objects.get(pk=pcode),
                name=name,
                kind=kind,
                latitude=Decimal(latitude) if latitude else None,
                longitude=Decimal(longitude) if longitude else None,
                area_hectares=Decimal(hectares) if hectares else None,
                capacity=capacity,
                managed_by=organisations[manager],
            )
    return {site.name: site for site in Site.objects.filter(name__in=[s[0] for s in SITES])}


def _scope_text(areas: tuple[str, ...], programmes: tuple[str, ...]) -> str:
    where = ", ".join(f"{AdminArea.objects.get(pk=code).label} ({code})" for code in areas) or _("all areas")
    what = ", ".join(programmes) or _("all programmes")
    return f"{where} · {what}"


def _logins(result: DemoResult, organisations: dict[str, Organisation], programmes: dict[str, Programme]) -> None:
    for username, first_name, last_name, role, acronym, areas, codes in LOGINS:
        user = User.objects.filter(username=username).first()
        result.count("logins", created=int(user is None), kept=int(user is not None))
        if user is None:
            is_admin = role == Role.ADMINISTRATOR
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=first_name,
                last_name=last_name,
                is_staff=is_admin,
                is_superuser=is_admin,
            )
            audit_record(actor=None, action="user.create", target=user, changes={"demo": True})
        if _created(Membership, result, "memberships", user=user, organisation=organisations[acronym], role=role):
            membership = Membership.objects.create(
                user=user,
                organisation=organisations[acronym],
                role=role,
                all_areas=not areas,
                all_programmes=not codes,
            )
            membership.admin_areas.set(AdminArea.objects.filter(pk__in=areas))
            membership.programmes.set([programmes[code] for code in codes])
            audit_record(actor=None, action="membership.create", target=membership, changes={"demo": True})
        result.logins.append(
            {
                "username": username,
                "role": str(Role(role).label),
                "organisation": acronym,
                "scope": _scope_text(areas, codes),
            }
        )


# IOM shares the figures of its Ménaka households with UNHCR for the coordination of the response
# (the protection cluster's counts): UNHCR's partner viewer counts them and never reads a name. Signed
# in December 2022 and renewed until the end of 2027, so that it is in force whenever the demo runs.
AGREEMENT_PURPOSE = (
    "Coordination de la réponse à Ménaka (cluster protection) : chiffres des ménages enregistrés par "
    "l'OIM, par cercle, site et vulnérabilité. Aucune donnée personnelle."
)
AGREEMENT_AREAS = ("ML10",)
AGREEMENT_DATES = (datetime.date(2022, 12, 1), datetime.date(2027, 12, 31))
AGREEMENT_SIGNED_BY = "Chef de mission OIM Mali ; Représentant du HCR au Mali"


def _agreements(result: DemoResult, organisations: dict[str, Organisation]) -> None:
    iom, unhcr = organisations["IOM"], organisations["UNHCR"]
    if _created(DataSharingAgreement, result, "agreements", providing_organisation=iom, receiving_organisation=unhcr):
        agreement_create(
            actor=None,
            providing_organisation=iom,
            receiving_organisation=unhcr,
            level=SharingLevel.FIGURES,
            purpose=AGREEMENT_PURPOSE,
            valid_from=AGREEMENT_DATES[0],
            valid_to=AGREEMENT_DATES[1],
            signed_by=AGREEMENT_SIGNED_BY,
            admin_areas=list(AdminArea.objects.filter(pk__in=AGREEMENT_AREAS)),
            all_programmes=True,
        )


def _households(result: DemoResult, iom: Organisation, sites: dict[str, Site], *, today: datetime.date) -> None:
    menaka_done = Household.objects.filter(organisation=iom, admin_area_id="ML1001").count()
    if menaka_done:
        result.count("households", created=0, kept=menaka_done)
    else:
        spec = SynthSpec(
            households=MENAKA_HOUSEHOLDS,
            seed=MENAKA_SEED,
            areas=("ML1001",),
            origin_areas=("ML1001", "ML1002", "ML1003"),
            origin_weights=(0.3, 0.4, 0.3),
            departure_from=datetime.date(2022, 3, 1),
            departure_to=datetime.date(2022, 11, 10),
            registered_until=datetime.date(2022, 11, 25),
            cause_weights=(1.0, 0.0, 0.0),
            today=today,
        )
        population = synth_population(spec)
        names = list(MENAKA_SITE_SHARES)
        rng = np.random.default_rng(MENAKA_SEED)
        chosen = rng.choice(len(names), size=MENAKA_HOUSEHOLDS, p=list(MENAKA_SITE_SHARES.values()))
        site_ids = pl.Series("site_id", [sites[name].pk for name in names]).gather(chosen)
        population = type(population)(population.households.with_columns(site_ids), population.individuals)
        saved = population_save(actor=None, organisation=iom, population=population)
        result.count("households", created=saved.households, kept=0)
    if menaka_done in (0, MENAKA_HOUSEHOLDS):
        result.count("households", created=_re_registrations(iom, sites), kept=0)
    bandiagara_done = Household.objects.filter(organisation=iom, admin_area_id="ML0501").count()
    if bandiagara_done:
        result.count("households", created=0, kept=bandiagara_done)
        return
    spec = SynthSpec(
        households=BANDIAGARA_HOUSEHOLDS,
        individuals=BANDIAGARA_PEOPLE,
        seed=BANDIAGARA_SEED,
        areas=("ML0501",),
        origin_areas=("ML0501", "ML0502", "ML0505", "ML0504"),
        origin_weights=(0.4, 0.25, 0.2, 0.15),
        departure_from=datetime.date(2022, 1, 15),
        departure_to=datetime.date(2022, 7, 31),
        registered_until=datetime.date(2022, 8, 31),
        cause_weights=(1.0, 0.0, 0.0),
        today=today,
    )
    population = synth_population(spec)
    museum = sites["Musée de Bandiagara"].pk  # they live in the museum until the relocation
    population = type(population)(
        population.households.with_columns(site_id=pl.lit(museum, dtype=pl.Int64)), population.individuals
    )
    saved = population_save(actor=None, organisation=iom, population=population)
    result.count("households", created=saved.households, kept=0)


# How a second clerk writes the same names: a few known spellings, then letter-level habits.
SPELLINGS = {
    "Mohamed": "Mouhamed",
    "Mahamadou": "Mahamoudou",
    "Fatoumata": "Fatimata",
    "Aïssata": "Aissata",
    "Aïcha": "Aicha",
    "Maïga": "Mayga",
    "Moussa": "Mousa",
    "Ibrahim": "Ibrahima",
    "Hamadou": "Amadou",
    "Oumar": "Umar",
    "Touré": "Toure",
    "Cissé": "Cisse",
}
LETTERS = (("ou", "u"), ("é", "e"), ("ï", "i"), ("dj", "j"), ("y", "i"), ("ss", "s"), ("a", "e"))


def _respelled(name: str) -> str:
    """The name as another clerk might write it (the first known spelling, or one letter habit)."""
    words = name.split()
    for index, word in enumerate(words):
        if word in SPELLINGS:
            words[index] = SPELLINGS[word]
            return " ".join(words)
    if words and words[0] in {"Ag", "Walet"} and len(words) > 1:
        return f"{words[0]}-{' '.join(words[1:])}" if words[0] == "Ag" else "Welet " + " ".join(words[1:])
    for old, new in LETTERS:
        at = name.find(old, 1)
        if at > 0:
            return name[:at] + new + name[at + len(old) :]
    return name


def _second_registration(
    household: Household, members: list[Individual], site: Site, *, keep_phone: bool
) -> HouseholdInput:
    """The household as registered again: names respelled, adults' births told as a year, no documents shown."""
    entries = []
    for member in members:
        exact = member.birth_date_precision == BirthDatePrecision.EXACT
        child = member.relationship == "child"
        entries.append(
            IndividualInput(
                given_names=_respelled(member.given_names),
                family_name=_respelled(member.family_name) if member.family_name else "",
                sex=member.sex,
                relationship=member.relationship,
                birth_date=member.birth_date if exact and child else None,
                birth_year=None if exact and child else member.birth_date.year,
                marital_status=member.marital_status,
                pregnancy=member.pregnancy,
                chronic_illness=member.chronic_illness,
            )
        )
    phone = crypto.decrypt(household.phone_encrypted) if keep_phone and household.phone_encrypted else ""
    return HouseholdInput(
        admin_area=household.admin_area_id,
        site_id=site.pk,
        consent="given",
        consent_date=RE_REGISTERED_ON,
        registered_on=RE_REGISTERED_ON,
        origin_area=household.origin_area_id or "",
        departure_date=household.departure_date,
        arrival_date=household.arrival_date,
        displacement_cause=household.displacement_cause,
        phone=phone,
        members=entries,
    )


def _re_registrations(iom: Organisation, sites: dict[str, Site]) -> int:
    """Register a few Ménaka households a second time, at another site; return how many."""
    menaka = list(
        Household.objects.filter(organisation=iom, admin_area_id="ML1001", size__range=(2, 7))
        .select_related("site")
        .order_by("registration_number")
    )
    rng = np.random.default_rng(MENAKA_SEED + 1)
    chosen = sorted(rng.choice(len(menaka), size=RE_REGISTERED, replace=False).tolist())
    camps = [sites["Site de déplacés Ménaka Nord"], sites["Site de déplacés Ménaka Est"]]
    for number, index in enumerate(chosen):
        household = menaka[index]
        site = camps[1] if household.site == camps[0] else camps[0]
        members = list(household.members.order_by("id"))
        data = _second_registration(household, members, site, keep_phone=number % 2 == 0)
        household_create(actor=None, organisation=iom, data=data)
    return len(chosen)


def demo_load(*, today: datetime.date) -> DemoResult:
    """Load the reference scenario, keeping whatever of it is already there."""
    result = DemoResult()
    areas = admin_areas_load(actor=None)
    result.count("admin areas", created=areas.created, kept=areas.unchanged + areas.updated)
    with transaction.atomic():
        organisations = _organisations(result)
        programmes = _programmes(result, organisations["IOM"])
        sites = _sites(result, organisations)
        _logins(result, organisations, programmes)
        _agreements(result, organisations)
        _households(result, organisations["IOM"], sites, today=today)
        for name, (made, kept) in targeting_and_grievances_demo_load().items():
            result.count(name, created=made, kept=kept)
        distribution_demo_load(result=result, organisations=organisations)
        shelter_demo_load(result=result, organisations=organisations)
        for name, (made, kept) in reporting_demo_load().items():
            result.count(name, created=made, kept=kept)
    return result
