"""`abri demo` loads the reference scenario exactly, and a second run changes nothing."""

from __future__ import annotations

import datetime
import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Sum
from django.test import Client, override_settings
from django.utils import timezone, translation

from abri.access.models import DataSharingAgreement, Membership, Organisation
from abri.assistance.models import Distribution, Entitlement, Programme
from abri.assistance.selectors import reconciliation
from abri.core.models import AuditEntry
from abri.geo.models import AdminArea, Site
from abri.grievances.models import Grievance
from abri.registry.models import Household, HouseholdLocation, Individual
from abri.shelter.models import Allocation, Relocation, ShelterUnit
from abri.stock.models import StockBalance, StockMovement
from abri.synth.demo import DEMO_PASSWORD
from abri.targeting.models import CommitteeDecision, CommitteeMember, PublishedList, ScoredHousehold, TargetingPlan

pytestmark = pytest.mark.django_db


# The Ménaka distribution's audit entries: 9 items, 2 kits, the warehouse and its receipt; the plan,
# 5 witnesses, the entitlements, the dispatch (ledger and distribution), the opening, 329
# handovers, the closing (the return to the ledger and the distribution), and a tablet's late sync of
# a kit handed over already (a conflict) and its resolution (the second kit came back).
DISTRIBUTION_AUDIT = 9 + 2 + 1 + 1 + 1 + 5 + 1 + 2 + 1 + 329 + 2 + 1 + 1
# The Bandiagara relocation's: 2 site profiles, 6 services, 3 population counts (the museum's, then
# both sites at the move), the plots, the relocation, 60 household moves, the museum's closing, the
# Bandiagara warehouse and its receipt; per plot 15 (a temporary shelter planned, built in three
# moves, allocated and handed over; a semi-hard one planned, its materials issued and delivered,
# built in two moves, the first allocation ended, the new one recorded and handed over, the
# temporary shelter decommissioned); F-10 went back under construction and was completed again.
SHELTER_AUDIT = 2 + 6 + 3 + 1 + 1 + 60 + 1 + 2 + 60 * 15 + 2


def demo() -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("demo", stdout=out, no_color=True)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = (AdminArea, Organisation, Programme, Site, User, Membership, Household, Individual, AuditEntry)
    found = {model.__name__: model.objects.count() for model in models}
    # Targeting and grievances are counted apart: their audit entries too.
    apart = AuditEntry.objects.filter(target_type__regex=r"^(targeting|grievances)\.").count()
    found["AuditEntry"] -= apart
    found["targeting and grievances audit entries"] = apart
    for model in (TargetingPlan, ScoredHousehold, CommitteeMember, CommitteeDecision, PublishedList, Grievance):
        found[model.__name__] = model.objects.count()
    return found


def test_demo_loads_the_reference_scenario() -> None:
    output = demo()

    assert counts() == {
        "AdminArea": 764,
        "Organisation": 8,
        "Programme": 2,
        "Site": 5,
        "User": 11,
        "Membership": 11,
        "Household": 395 + 6,  # six Ménaka households registered a second time
        "Individual": 2785,
        # the areas, organisations, programmes, sites, logins, memberships, IOM's agreement with UNHCR, households
        "AuditEntry": 764 + 8 + 2 + 5 + 11 + 11 + 1 + 395 + 6 + DISTRIBUTION_AUDIT + SHELTER_AUDIT,
        # plan, run, 8 members, 2 sessions, 7 decisions one by one, 1 confirmation of the rest, 3 validations
        # twice, 2 publications, 4 grievances received, their referral, reviews, answers and closing
        "targeting and grievances audit entries": 44,
        "TargetingPlan": 1,
        "ScoredHousehold": 341,  # every Ménaka registration, the six second ones included
        "CommitteeMember": 8,
        "CommitteeDecision": 6 + 5 + 329 + 1,  # 6 second registrations out, 5 added, 329 confirmed; v2: 1
        "PublishedList": 2,
        "Grievance": 4,
    }
    versions = list(PublishedList.objects.order_by("version").values_list("version", "included", "wait_listed"))
    assert versions == [(1, 334, 0), (2, 335, 0)]
    assert sorted(Organisation.objects.values_list("acronym", "kind")) == [
        ("DRDSES-Mopti", "government"),
        ("DRDSES-Ménaka", "government"),
        ("ILDM", "national_ngo"),
        ("IOM", "un_agency"),
        ("OCHA", "un_agency"),
        ("UNDP", "un_agency"),
        ("UNHCR", "un_agency"),
        ("UNICEF", "un_agency"),
    ]
    menaka = Household.objects.filter(admin_area_id="ML1001")
    bandiagara = Household.objects.filter(admin_area_id="ML0501")
    assert menaka.count() == 335 + 6
    again = menaka.filter(registered_on=datetime.date(2022, 11, 28))
    assert again.count() == 6
    assert set(again.values_list("site__kind", flat=True)) == {"spontaneous_site"}
    assert bandiagara.count() == 60
    assert bandiagara.aggregate(people=Sum("size"))["people"] == 500
    # They lived in the museum until the relocation of 15 September 2022 to the planned site.
    assert set(bandiagara.values_list("site__name", flat=True)) == {"Site de relocalisation de Bandiagara"}
    assert set(menaka.values_list("origin_area_id", flat=True)) == {"ML1001", "ML1002", "ML1003"}
    assert set(menaka.values_list("displacement_cause", flat=True)) == {"armed_conflict"}
    assert menaka.filter(registered_on__gte=datetime.date(2022, 12, 2)).count() == 0
    assert set(menaka.values_list("site__kind", flat=True)) == {"spontaneous_site", "host_community"}
    for households in (menaka, bandiagara):
        for flag in ("widow_headed", "elderly_head", "single_parent", "member_with_disability"):
            assert households.filter(**{flag: True}).exists(), flag
    relocation = Site.objects.get(name="Site de relocalisation de Bandiagara")
    assert (relocation.kind, relocation.area_hectares, relocation.capacity) == ("planned_site", 3, 500)
    nfi = Programme.objects.get(code="MLI-MNK-NFI-2022")
    assert (nfi.organisation.acronym, nfi.start_date, nfi.end_date) == (
        "IOM",
        datetime.date(2022, 12, 2),
        datetime.date(2022, 12, 5),
    )
    assert list(nfi.admin_areas.values_list("pcode", flat=True)) == ["ML10"]
    clerk = authenticate(username="registration.menaka", password=DEMO_PASSWORD)
    assert clerk is not None
    membership = Membership.objects.get(user=clerk)
    assert (membership.role, membership.organisation.acronym, membership.all_areas) == (
        "registration_officer",
        "IOM",
        False,
    )
    assert list(membership.admin_areas.values_list("pcode", flat=True)) == ["ML10"]
    assert list(membership.programmes.values_list("code", flat=True)) == ["MLI-MNK-NFI-2022"]
    assert "Demo loaded: 764 admin areas, 8 organisations, 2 programmes, 5 sites, 11 logins" in output
    assert "  registration.menaka      Registration officer" in output
    assert "Ménaka (ML10) · MLI-MNK-NFI-2022" in output
    assert f"password for all: {DEMO_PASSWORD}" in output


def test_demo_holds_the_bandiagara_relocation_and_its_shelters() -> None:
    demo()
    relocation = Relocation.objects.get()
    assert (relocation.origin.name, relocation.destination.name, relocation.moved_on) == (
        "Musée de Bandiagara",
        "Site de relocalisation de Bandiagara",
        datetime.date(2022, 9, 15),
    )
    assert (relocation.households, relocation.individuals) == (60, 500)
    planned = relocation.destination
    assert Household.objects.filter(site=planned).count() == 60
    assert not Site.objects.get(name="Musée de Bandiagara").is_open
    assert HouseholdLocation.objects.filter(left_on=datetime.date(2022, 9, 15)).count() == 60
    statuses = dict(
        ShelterUnit.objects.values_list("shelter_type__code")
        .annotate(n=Count("id"))
        .values_list("shelter_type__code", "n")
    )
    assert statuses == {"TEMPORARY": 60, "SEMI_HARD": 60}
    assert set(ShelterUnit.objects.filter(shelter_type__code="SEMI_HARD").values_list("status", flat=True)) == {
        "handed_over"
    }
    active = Allocation.objects.filter(status="active")
    assert active.count() == 60
    assert set(active.values_list("unit__shelter_type__code", flat=True)) == {"SEMI_HARD"}
    tarpaulins = StockMovement.objects.filter(kind="shelter_issue", item__code="TARPAULIN")
    assert tarpaulins.aggregate(total=Sum("quantity"))["total"] == -120  # two per shelter


def test_demo_holds_the_menaka_distribution_reconciled() -> None:
    demo()
    distribution = Distribution.objects.get(code="MNK-NFI-2022-12")
    result = reconciliation(distribution=distribution)
    assert (distribution.status, distribution.starts_on, distribution.ends_on) == (
        "closed",
        datetime.date(2022, 12, 2),
        datetime.date(2022, 12, 5),
    )
    assert (result.planned, result.handed_over, result.absent) == (335, 329, 6)
    assert [(day.day.day, day.handed_over) for day in result.days] == [(2, 92), (3, 88), (4, 81), (5, 68)]
    assert (result.kits.dispatched, result.kits.returned, result.kits.available) == (335, 6, 0)
    assert distribution.witnesses.count() == 5
    assert Entitlement.objects.filter(distribution=distribution).values("household").distinct().count() == 335
    # Its households are those version 2 of the Ménaka plan's published list includes.
    assert (distribution.published_list.plan.name, distribution.published_list.version) == (
        "Ciblage ANA Ménaka — décembre 2022",
        2,
    )
    assert set(Entitlement.objects.filter(distribution=distribution).values_list("household_id", flat=True)) == set(
        distribution.published_list.entries.filter(status="included").values_list("household_id", flat=True)
    )
    blankets = StockBalance.objects.get(warehouse__code="MNK-01", item__code="BLANKET").quantity
    assert blankets == 2 * (340 - 329)  # received 340 kits' worth, 329 handed over


def test_second_run_keeps_everything_and_says_so() -> None:
    demo()
    before = counts()
    heads = sorted(Household.objects.values_list("registration_number", "head__given_names"))

    output = demo()

    assert counts() == before
    assert sorted(Household.objects.values_list("registration_number", "head__given_names")) == heads
    assert output.startswith("Demo already loaded: data kept, nothing changed.\n")


@override_settings(SETTINGS_MODULE="abri.config.settings_production")
def test_demo_refuses_the_production_settings() -> None:
    with pytest.raises(CommandError):
        demo()

    assert counts()["User"] == 0


def test_unhcr_viewer_counts_ioms_menaka_households_and_reads_no_name() -> None:
    demo()
    agreement = DataSharingAgreement.objects.get()
    assert (agreement.providing_organisation.acronym, agreement.receiving_organisation.acronym) == ("IOM", "UNHCR")
    assert (agreement.level, agreement.in_force_on(timezone.localdate())) == ("figures", True)
    menaka = Household.objects.filter(admin_area__pk__startswith="ML10").exclude(status="merged")
    client = Client()
    client.force_login(User.objects.get(username="partner.unhcr"))
    client.cookies["django_language"] = "en"
    body = client.get("/").content.decode()
    figures = {label: int(re.sub(r"\D", "", number)) for number, label in re.findall(r"<b>([^<]+)</b>(\w+)", body)}
    assert figures["households"] == menaka.count()
    assert figures["individuals"] == menaka.aggregate(people=Sum("size"))["people"]
    assert "Bandiagara" not in body  # not shared: IOM's Bandiagara households stay IOM's
    assert client.get("/api/v1/households?page_size=1").json()["count"] == menaka.count()
    household = menaka.select_related("head").order_by("id").first()
    page = client.get(f"/households/{household.registration_number}/").content.decode()
    api = client.get(f"/api/v1/households/{household.registration_number}").content.decode()
    for text in (body, page, api):
        assert household.head.family_name not in text
        assert household.head.given_names not in text
