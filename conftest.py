"""Fixtures for the whole suite: the language, the places and the organisations most tests stand on.

A test module that needs another shape of the same thing (one area only, an organisation with
another name) writes its own fixture under the same name, which overrides these.
"""

import pytest
from django.conf import settings
from django.utils import translation

from abri.access.models import Organisation
from abri.access.tests.factories import OrganisationFactory
from abri.geo.models import AdminArea
from abri.geo.tests.factories import mali_areas


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in Abri's default language: a request in an earlier test may have switched it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def areas(db) -> dict[str, AdminArea]:
    """The Ménaka and Mopti regions with their cercles, by P-code (see `mali_areas`)."""
    return mali_areas()


@pytest.fixture
def iom(db) -> Organisation:
    """The organisation most tests register for."""
    return OrganisationFactory(acronym="IOM", name="International Organization for Migration")


@pytest.fixture
def unhcr(db) -> Organisation:
    """A second organisation, whose households the first one's staff must not see."""
    return OrganisationFactory(acronym="UNHCR", name="United Nations High Commissioner for Refugees")
