"""Fixtures for the whole suite."""

import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in Abri's default language: a request in an earlier test may have switched it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
