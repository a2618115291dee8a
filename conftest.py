"""Fixtures for the whole suite: the language, the places and the organisations most tests stand on.

A test module that needs another shape of the same thing (one area only, an organisation with
another name) writes its own fixture under the same name, which overrides these.
"""

import pytest
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import translation
from pytest_django.plugin import blocking_manager_key

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


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names or bool(marker and marker.kwargs.get("transaction"))


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """A transactional test ends with Django's flush, which deletes every row; on SQLite the
    triggers that refuse deleting a ledger's rows (stock movements) would stop it. They are set
    aside for the flush and put back as they were, so the next test meets them again."""
    spared: list[tuple[str, str]] = []
    blocker = item.config.stash[blocking_manager_key]
    if _transactional(item):
        with blocker.unblock():
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                        "AND sql LIKE '%%BEFORE DELETE%%' AND sql LIKE '%%RAISE(%%'"
                    )
                    spared = cursor.fetchall()
                    for name, _sql in spared:
                        cursor.execute(f'DROP TRIGGER "{name}"')
    yield
    if spared:
        with blocker.unblock(), connection.cursor() as cursor:
            for _name, sql in spared:
                try:
                    cursor.execute(sql)
                except DatabaseError:
                    # The test database went with its last live server (an in-memory SQLite
                    # one): the next one is migrated afresh, its triggers with it.
                    break
