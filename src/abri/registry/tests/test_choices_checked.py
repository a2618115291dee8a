"""The database itself refuses a value outside a choice field's choices: a bulk COPY or a raw
update bypasses Django's validation, not the check constraints."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from abri.access.tests.factories import OrganisationFactory
from abri.core.models import AuditEntry
from abri.geo.tests.factories import mali_areas
from abri.registry.models import Household, Individual
from abri.registry.tests.factories import household_saved

pytestmark = pytest.mark.django_db


@pytest.fixture
def household():
    mali_areas()
    return household_saved(organisation=OrganisationFactory(acronym="IOM"))


def test_a_raw_update_to_a_status_outside_the_lifecycle_is_refused(household):
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.filter(pk=household.pk).update(status="valid")
    assert Household.objects.get(pk=household.pk).status == "registered"


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (Household, "consent", "maybe"),
        (Household, "displacement_cause", "unknown_cause"),
        (Individual, "sex", "x"),
        (Individual, "birth_date_precision", "guessed"),
        (Individual, "wg_seeing", "a_little"),
        (Individual, "pregnancy", "yes"),
        (Individual, "id_document_type", "library_card"),
    ],
)
def test_every_choice_field_of_the_registry_is_checked(household, model, field, value):
    rows = model.objects.filter(pk=household.pk if model is Household else household.head_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(**{field: value})


def test_an_empty_value_stays_allowed_where_the_field_may_be_blank(household):
    Individual.objects.filter(pk=household.head_id).update(marital_status="", wg_seeing="", id_document_type="")
    assert Individual.objects.get(pk=household.head_id).marital_status == ""


def test_every_choice_field_in_every_app_has_its_check():
    missing = []
    for model in apps.get_models():
        if not model.__module__.startswith("abri."):
            continue
        checked = {
            child[0].removesuffix("__in")
            for constraint in model._meta.constraints
            if getattr(constraint, "condition", None) is not None
            for child in constraint.condition.children
            if isinstance(child, tuple)
        }
        for field in model._meta.concrete_fields:
            if field.choices and field.name not in checked:
                missing.append(f"{model._meta.label}.{field.name}")
    assert missing == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_repair_migration_puts_wrong_statuses_back_to_registered():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: dropping a check constraint for the test")
    mali_areas()
    wrong = household_saved(organisation=OrganisationFactory(acronym="IOM"))
    right = household_saved(organisation=wrong.organisation, status="relocated")
    with connection.cursor() as cursor:  # the state before the constraints: an import wrote "valid"
        cursor.execute(f"ALTER TABLE {Household._meta.db_table} DROP CONSTRAINT registry_household_status_known")
    try:
        Household.objects.filter(pk=wrong.pk).update(status="valid")
        migration = importlib.import_module("abri.registry.migrations.0007_household_status_repair")
        migration.repair(apps, None)
        assert Household.objects.get(pk=wrong.pk).status == "registered"
        assert Household.objects.get(pk=right.pk).status == "relocated"
        entry = AuditEntry.objects.get(action="household.status_repaired")
        assert (entry.target_id, entry.changes) == (str(wrong.pk), {"status": ["valid", "registered"]})
    finally:
        constraint = next(c for c in Household._meta.constraints if c.name == "registry_household_status_known")
        with connection.schema_editor() as editor:
            editor.add_constraint(Household, constraint)
