"""Factories for geo: admin areas with consistent P-codes, and sites."""

from __future__ import annotations

import factory

from abri.geo.models import AdminArea, Site


class AdminAreaFactory(factory.django.DjangoModelFactory):
    """A level 1 area unless given a parent (its P-code then extends the parent's)."""

    class Meta:
        model = AdminArea
        django_get_or_create = ("pcode",)

    pcode = factory.Sequence(lambda number: f"ZZ{number:02d}")
    level = 1
    name = factory.Sequence(lambda number: f"Area {number}")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda number: f"Site {number}")
    kind = Site.Kind.SPONTANEOUS_SITE
    admin_area = factory.SubFactory(AdminAreaFactory)
