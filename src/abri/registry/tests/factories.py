"""Inputs and saved households for registry tests."""

from datetime import date

from abri.access.models import Organisation
from abri.registry.inputs import HouseholdInput, IndividualInput
from abri.registry.models import Household
from abri.registry.services import household_create


def member_input(**overrides) -> IndividualInput:
    values = {
        "given_names": "Fatoumata",
        "family_name": "Maïga",
        "sex": "female",
        "relationship": "head",
        "birth_date": date(1980, 3, 14),
        "marital_status": "married",
    }
    values.update(overrides)
    return IndividualInput(**values)


def household_input(**overrides) -> HouseholdInput:
    values = {
        "admin_area": "ML1001",
        "consent": "given",
        "consent_date": date(2022, 11, 20),
        "registered_on": date(2022, 11, 20),
        "origin_area": "ML1002",
        "departure_date": date(2022, 10, 2),
        "arrival_date": date(2022, 10, 9),
        "displacement_cause": "armed_conflict",
        "members": [
            member_input(),
            member_input(given_names="Moussa", family_name="Ag Mohamed", sex="male", relationship="spouse"),
            member_input(given_names="Aïssata", relationship="child", birth_year=2015, birth_date=None),
        ],
    }
    values.update(overrides)
    return HouseholdInput(**values)


def household_saved(*, organisation: Organisation, actor=None, **overrides) -> Household:
    return household_create(actor=actor, organisation=organisation, data=household_input(**overrides))


def maiga_second_registration(**moussa) -> list[IndividualInput]:
    """The Maïga household of `household_input` as another partner wrote it down later: other
    spellings (Fatimata Mayga, Ag-Mohamed), the adults' births as years (``moussa`` overrides
    Moussa's fields)."""
    return [
        member_input(given_names="Fatimata", family_name="Mayga", birth_date=date(1980, 3, 14)),
        member_input(
            given_names="Moussa",
            family_name="Ag-Mohamed",
            sex="male",
            relationship="spouse",
            **({"birth_year": 1979, "birth_date": None} | moussa),
        ),
        member_input(given_names="Aissata", relationship="child", birth_year=2015, birth_date=None),
    ]
