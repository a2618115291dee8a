"""The synthetic population: reproducible, believable, registrable through the services, writable to files."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from abri.access.tests.factories import OrganisationFactory
from abri.core.models import AuditEntry
from abri.geo.services import admin_areas_load
from abri.registry.models import Household, Individual
from abri.registry.normalise import fold, phone_normalise
from abri.registry.tests.factories import household_saved
from abri.synth import names as synth_names
from abri.synth.output import population_inputs, population_save
from abri.synth.people import SynthSpec, synth_population

TODAY = datetime.date(2026, 11, 28)
WG = ("wg_seeing", "wg_hearing", "wg_walking", "wg_cognition", "wg_self_care", "wg_communication")
SEVERE = ("a_lot_of_difficulty", "cannot_do_at_all")


@pytest.fixture(scope="module")
def menaka() -> pl.DataFrame:
    population = synth_population(SynthSpec(households=3000, seed=11, areas=("ML1001", "ML1002"), today=TODAY))
    return population.individuals.join(population.households, on="household_key")


def test_same_seed_same_people_other_seed_other_people() -> None:
    spec = SynthSpec(households=200, seed=5, today=TODAY)
    first, second = synth_population(spec), synth_population(spec)
    other = synth_population(SynthSpec(households=200, seed=6, today=TODAY))

    assert first.households.equals(second.households)
    assert first.individuals.equals(second.individuals)
    assert not first.individuals["given_names"].equals(other.individuals["given_names"])


def test_households_have_one_head_first_then_their_wives(menaka: pl.DataFrame) -> None:
    per_household = menaka.group_by("household_key").agg(
        heads=(pl.col("relationship") == "head").sum(),
        head_position=pl.col("position").filter(pl.col("relationship") == "head").first(),
        spouses=(pl.col("relationship") == "spouse").sum(),
        last_spouse=pl.col("position").filter(pl.col("relationship") == "spouse").max(),
        members=pl.len(),
        size=pl.col("size").first(),
    )

    assert per_household.height == 3000
    assert (per_household["heads"] == 1).all()
    assert (per_household["head_position"] == 0).all()
    assert (per_household["members"] == per_household["size"]).all()
    assert per_household["spouses"].max() == 3
    assert (
        per_household.filter(pl.col("spouses") > 0)["last_spouse"]
        == per_household.filter(pl.col("spouses") > 0)["spouses"]
    ).all()
    polygamous = (per_household["spouses"] >= 2).mean()
    assert 0.08 < polygamous < 0.25
    assert 6.0 < per_household["size"].mean() < 8.0


def test_exact_total_of_individuals_when_asked() -> None:
    population = synth_population(SynthSpec(households=60, individuals=500, seed=3, areas=("ML0501",), today=TODAY))

    assert population.households.height == 60
    assert population.individuals.height == 500
    assert population.households["size"].sum() == 500


def test_ages_follow_a_sahelian_pyramid(menaka: pl.DataFrame) -> None:
    age = menaka["age_at_registration"]
    heads = menaka.filter(pl.col("relationship") == "head")

    assert 0.50 < (age < 18).mean() < 0.65
    assert 0.14 < (age < 5).mean() < 0.25
    assert 0.03 < (age >= 60).mean() < 0.08
    assert age.min() >= 0
    assert age.max() <= 98
    assert heads["age_at_registration"].min() >= 18
    assert 0.2 < (heads["sex"] == "female").mean() < 0.35
    assert 0.08 < (heads["marital_status"] == "widowed").mean() < 0.25
    assert 0.05 < (heads["age_at_registration"] >= 60).mean() < 0.2
    spouses = menaka.filter(pl.col("relationship") == "spouse")
    assert (spouses["sex"] == "female").all()
    assert (spouses["marital_status"] == "married").all()


def test_birth_date_precision_fills_exactly_one_column(menaka: pl.DataFrame) -> None:
    filled = menaka.select(
        "birth_date_precision",
        date=pl.col("birth_date").is_not_null(),
        year=pl.col("birth_year").is_not_null(),
        age=pl.col("age_years").is_not_null(),
    )

    assert set(filled["birth_date_precision"].unique()) == {"exact", "year", "estimated_age"}
    assert (
        filled.filter(pl.col("birth_date_precision") == "exact")
        .select(pl.all_horizontal("date", ~pl.col("year"), ~pl.col("age")))
        .to_series()
        .all()
    )
    assert (
        filled.filter(pl.col("birth_date_precision") == "year")
        .select(pl.all_horizontal(~pl.col("date"), "year", ~pl.col("age")))
        .to_series()
        .all()
    )
    assert (
        filled.filter(pl.col("birth_date_precision") == "estimated_age")
        .select(pl.all_horizontal(~pl.col("date"), ~pl.col("year"), "age"))
        .to_series()
        .all()
    )
    exact = menaka.filter(pl.col("birth_date").is_not_null())
    assert (exact["birth_date"] <= exact["registered_on"]).all()


def test_washington_group_pregnancy_and_documents_at_plausible_rates(menaka: pl.DataFrame) -> None:
    severe = pl.any_horizontal([pl.col(name).is_in(SEVERE) for name in WG])
    over_five = menaka.filter(pl.col("age_at_registration") >= 5)
    under_five = menaka.filter(pl.col("age_at_registration") < 5)

    assert 0.05 < over_five.select(severe.mean()).item() < 0.15
    assert under_five.select(pl.all_horizontal([pl.col(name) == "" for name in WG]).all()).item()
    elderly = menaka.filter(pl.col("age_at_registration") >= 65).select(severe.mean()).item()
    assert elderly > 0.25
    pregnant_or_lactating = menaka.filter(pl.col("pregnancy") != "no")
    assert (pregnant_or_lactating["sex"] == "female").all()
    assert pregnant_or_lactating["age_at_registration"].is_between(15, 49).all()
    assert {"pregnant", "lactating"} == set(pregnant_or_lactating["pregnancy"].unique())
    documents = menaka.filter(pl.col("id_document_type") != "")
    assert 0.15 < documents.height / menaka.height < 0.45
    assert (documents["id_number"] != "").all()
    assert (menaka.filter(pl.col("id_document_type") == "")["id_number"] == "").all()
    assert documents.filter(pl.col("id_document_type") == "birth_certificate")["age_at_registration"].max() < 18


def test_names_carry_their_real_spelling_variation(menaka: pl.DataFrame) -> None:
    given = set(menaka["given_names"].str.split(" ").explode().unique())
    family = menaka["family_name"]

    assert {"Mohamed", "Mouhamed", "Mahamadou"} <= given
    assert {"Fatoumata", "Fatimata", "Fatouma"} <= given
    assert {"Aïssata", "Aissata"} <= given
    assert {"Maïga", "Maiga", "Mayga"} <= set(family.unique())
    assert family.str.starts_with("Ag ").any()
    assert family.str.starts_with("Ag-").any()
    assert family.str.starts_with("Walet ").any()
    assert family.str.starts_with("Oulet ").any()
    assert family.str.starts_with("Ould ").any()
    assert (family.str.to_uppercase() == family).mean() < 0.1  # some clerks type capitals, not most
    assert menaka["given_names"].str.len_chars().min() >= 2


def test_tamasheq_children_are_named_after_their_father(menaka: pl.DataFrame) -> None:
    spellings: dict[str, set[str]] = {}
    for entry in synth_names.MALE_NAMES["tamasheq"]:
        for variant in entry.split("|"):
            spellings.setdefault(fold(variant), set()).add(entry)
    heads = menaka.filter(
        (pl.col("relationship") == "head")
        & (pl.col("sex") == "male")
        & pl.col("family_name").str.contains(r"(?i)^ag[ -]")
    ).select("household_key", head=pl.col("given_names"))
    children = menaka.filter(pl.col("relationship") == "child").join(heads, on="household_key")
    father_names = children["family_name"].str.replace(r"(?i)^(ag|walet|oulet|welet|wallet)[ -]", "")

    checked = 0
    for head, father in zip(children["head"], father_names, strict=True):
        head_entries = spellings.get(fold(head), set()) | spellings.get(fold(head.split(" ")[0]), set())
        if head_entries:
            checked += 1
            assert spellings.get(fold(father), set()) & head_entries, (head, father)
    assert checked > 500


def test_phones_are_mali_numbers_written_many_ways(menaka: pl.DataFrame) -> None:
    phones = menaka.unique("household_key")["phone"]
    written = [phone for phone in phones if phone]

    assert 0.75 < len(written) / len(phones) < 0.95
    assert all(phone_normalise(phone).startswith("+223") and len(phone_normalise(phone)) == 12 for phone in written)
    assert any(phone.startswith("+223 ") for phone in written)
    assert any(phone.startswith("00223") for phone in written)
    assert any(" " in phone and not phone.startswith("+") for phone in written)


def test_displacement_dates_and_origins_hold_together() -> None:
    spec = SynthSpec(
        households=1000,
        seed=2,
        areas=("ML1001",),
        origin_areas=("ML1002", "ML1003"),
        departure_from=datetime.date(2022, 3, 1),
        departure_to=datetime.date(2022, 11, 1),
        registered_until=datetime.date(2022, 11, 25),
        today=TODAY,
    )
    households = synth_population(spec).households

    assert set(households["origin_area"].unique()) == {"ML1002", "ML1003"}
    assert (households["admin_area"] == "ML1001").all()
    assert (households["departure_date"] <= households["arrival_date"]).all()
    assert (households["arrival_date"] <= households["registered_on"]).all()
    assert households["departure_date"].min() >= datetime.date(2022, 3, 1)
    assert households["registered_on"].max() <= datetime.date(2022, 11, 25)
    assert (households["consent_date"] == households["registered_on"]).all()
    assert (households["displacement_cause"] == "armed_conflict").mean() > 0.9
    assert "group" not in households.columns


@pytest.mark.django_db
def test_population_registers_through_the_bulk_service() -> None:
    admin_areas_load(actor=None)
    iom = OrganisationFactory(acronym="IOM")
    bystander = household_saved(organisation=OrganisationFactory(acronym="UNHCR"))
    population = synth_population(SynthSpec(households=80, seed=9, areas=("ML1001", "ML1003"), today=TODAY))

    result = population_save(actor=None, organisation=iom, population=population, chunk=30)

    assert (result.households, result.individuals) == (80, population.individuals.height)
    registered = Household.objects.filter(organisation=iom)
    assert registered.count() == 80
    assert Individual.objects.filter(household__organisation=iom).count() == population.individuals.height
    assert registered.filter(head__isnull=True).count() == 0
    assert registered.filter(member_with_disability=True).exists()
    assert registered.filter(widow_headed=True).exists()
    assert AuditEntry.objects.filter(action="household.create").count() == 81
    assert Household.objects.get(pk=bystander.pk).size == 3
    first = population_inputs(population)[0]
    saved_first = registered.order_by("registration_number").first()
    assert saved_first is not None
    assert saved_first.head is not None
    assert saved_first.head.relationship == "head"
    stored = list(
        saved_first.members.order_by("id").values_list(
            "given_names", "family_name", "sex", "relationship", "marital_status", "wg_walking", "pregnancy"
        )
    )
    assert stored == [
        (m.given_names, m.family_name, m.sex, m.relationship, m.marital_status, m.wg_walking, m.pregnancy)
        for m in first.members
    ]
    exact = [m for m in first.members if m.birth_date is not None]
    assert [i.birth_date for i in saved_first.members.filter(birth_date_precision="exact").order_by("id")] == [
        m.birth_date for m in exact
    ]
    with_document = Individual.objects.exclude(id_document_type="").first()
    assert with_document is not None
    assert with_document.id_number_hash
    assert with_document.created_at is not None


def _call(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, no_color=True)
    return out.getvalue()


@pytest.mark.django_db
def test_command_writes_csv_and_xlsx_files(tmp_path: Path) -> None:
    _call("synth", "--households", "25", "--seed", "4", "--area", "ML0501", "--out", str(tmp_path / "csv"))
    _call(
        "synth",
        "--households",
        "25",
        "--seed",
        "4",
        "--area",
        "ML0501",
        "--out",
        str(tmp_path / "xlsx"),
        "--format",
        "xlsx",
    )

    households = pl.read_csv(tmp_path / "csv" / "households.csv")
    individuals = pl.read_csv(tmp_path / "csv" / "individuals.csv")
    workbook = load_workbook(tmp_path / "xlsx" / "population.xlsx")
    assert households.height == 25
    assert individuals.height == households["size"].sum()
    assert "age_at_registration" not in individuals.columns
    assert workbook.sheetnames == ["households", "individuals"]
    assert workbook["individuals"].max_row == individuals.height + 1
    assert Household.objects.count() == 0


@pytest.mark.django_db
def test_command_registers_into_the_database_and_refuses_unknown_areas() -> None:
    admin_areas_load(actor=None)
    OrganisationFactory(acronym="IOM")

    output = _call("synth", "--households", "40", "--seed", "8", "--area", "ML1002", "ML1003", "--area", "ML0501")
    with pytest.raises(CommandError) as unknown:
        _call("synth", "--households", "5", "--area", "ML9999")
    with pytest.raises(CommandError) as no_organisation:
        _call("synth", "--households", "5", "--organisation", "NRC")

    assert "Registered 40 households" in output
    assert set(Household.objects.values_list("admin_area_id", flat=True)) == {"ML1002", "ML1003", "ML0501"}
    origins = set(Household.objects.values_list("origin_area_id", flat=True))
    assert origins <= {"ML1001", "ML1002", "ML1003", "ML1004", *(f"ML050{number}" for number in range(1, 9))}
    assert str(unknown.value) == "Unknown P-code ML9999: run `abri load-pcodes` first."
    assert str(no_organisation.value).startswith("No organisation NRC")
    assert Household.objects.count() == 40
