"""Finding members by name: the same members on SQLite (full-text index) as a plain scan finds."""

import pytest
from django.db import connection

from abri.access.tests.factories import OrganisationFactory
from abri.geo.tests.factories import mali_areas
from abri.registry.models import Individual
from abri.registry.normalise import fold
from abri.registry.search import members_named, sqlite_name_index_drop, sqlite_name_index_ensure
from abri.registry.tests.factories import household_saved, member_input

pytestmark = pytest.mark.django_db

NAMES = [
    ("Fatoumata", "Maïga"),
    ("Aminata", "Walet Intalla"),
    ("Moussa", "Ag Mohamed"),
    ("Mohamed", "Ag Moussa"),
    ("Oumar", "Ly"),
    ("Aïssata", "Touré"),
]


@pytest.fixture
def people():
    mali_areas()
    iom = OrganisationFactory(acronym="IOM")
    for given, family in NAMES:
        household_saved(organisation=iom, members=[member_input(given_names=given, family_name=family)])


def scanned(words: list[str]) -> set[int]:
    """What reading every member gives: every word inside the folded name."""
    return {member.pk for member in Individual.objects.all() if all(word in member.search_name for word in words)}


@pytest.mark.parametrize(
    "search",
    ["maiga", "MAÏGA fatoumata", "moussa", "ag moussa", "ly", "oumar ly", "wal int", "toure aissata", "zeinabou", "ou"],
)
def test_a_name_search_finds_exactly_the_members_a_scan_finds(people, search):
    words = fold(search).split()
    found = set(members_named(words).values_list("pk", flat=True))
    assert found == scanned(words)


def test_the_index_follows_new_changed_and_removed_names(people):
    household = household_saved(
        organisation=Individual.objects.first().household.organisation,
        members=[member_input(given_names="Zeinabou", family_name="Cissé")],
    )
    member = household.members.get()
    assert set(members_named(["zeinabou"]).values_list("pk", flat=True)) == {member.pk}

    Individual.objects.filter(pk=member.pk).update(search_name=fold("Kadidia Cissé"))
    assert not members_named(["zeinabou"]).exists()
    assert set(members_named(["kadidia", "cisse"]).values_list("pk", flat=True)) == {member.pk}

    Individual.objects.filter(pk=member.pk).delete()
    assert not members_named(["kadidia"]).exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the full-text index is SQLite's")
def test_after_a_migration_rebuilt_the_table_the_index_is_put_back_and_refilled(people):
    with connection.cursor() as cursor:  # SQLite's rebuild of a table drops its triggers
        for name in ("insert", "delete", "update"):
            cursor.execute(f"DROP TRIGGER registry_individual_name_fts_{name}")
    iom = Individual.objects.first().household.organisation
    household_saved(organisation=iom, members=[member_input(given_names="Zeinabou", family_name="Cissé")])
    assert not members_named(["zeinabou"]).exists()  # written while the index was not kept

    assert sqlite_name_index_ensure() is True
    assert members_named(["zeinabou"]).count() == 1
    assert sqlite_name_index_ensure() is False  # nothing missing: nothing done

    sqlite_name_index_drop()
    assert sqlite_name_index_ensure() is True
    assert members_named(["maiga"]).count() == 1
