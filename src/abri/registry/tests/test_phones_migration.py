"""Phones registered before they were kept in international form are rewritten, hash and all."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from abri.core import crypto
from abri.registry.models import Household
from abri.registry.normalise import phone_normalise
from abri.registry.tests.factories import household_saved

pytestmark = pytest.mark.django_db

migration = importlib.import_module("abri.registry.migrations.0011_phones_international")


def test_a_phone_kept_as_eight_digits_is_found_again_by_any_writing(areas, iom):
    old = household_saved(organisation=iom, phone="76 12 34 56")
    broken = household_saved(organisation=iom, phone="")
    Household.objects.filter(pk=old.pk).update(  # as the registry kept it before
        phone_encrypted=crypto.encrypt("76123456"), phone_hash=crypto.blind_index("76123456", purpose="phone")
    )
    Household.objects.filter(pk=broken.pk).update(phone_encrypted=crypto.encrypt("12"), phone_hash="x")
    migration.phones_international(apps, None)
    old.refresh_from_db()
    broken.refresh_from_db()
    assert crypto.decrypt(old.phone_encrypted) == "+22376123456"
    searched = crypto.blind_index(phone_normalise("+223 76 12 34 56"), purpose="phone")
    assert list(Household.objects.filter(phone_hash=searched)) == [old]
    assert crypto.decrypt(broken.phone_encrypted) == "12"  # kept as written, for an officer to correct
