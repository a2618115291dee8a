"""Factories for deduplication's records."""

import datetime
import uuid

import factory
from django.utils import timezone

from abri.access.tests.factories import UserFactory
from abri.dedup.models import ListRun, ListRunMode, ListRunStatus


class ListRunFactory(factory.django.DjangoModelFactory):
    """A partner-list run of one list, kept a week; files are written with `abri.dedup.lists.storage`."""

    class Meta:
        model = ListRun

    uuid = factory.LazyFunction(uuid.uuid4)
    owner = factory.SubFactory(UserFactory)
    mode = ListRunMode.DEDUPLICATE
    status = ListRunStatus.UPLOADED
    file_names = factory.LazyFunction(lambda: ["partenaire.csv"])
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
