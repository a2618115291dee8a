"""Factories for admin areas and sites (Mali P-codes)."""

import factory

from abri.geo.models import AdminArea, Site


class AdminAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdminArea
        django_get_or_create = ("pcode",)

    pcode = "ML10"
    level = factory.LazyAttribute(lambda o: (len(o.pcode) - 2) // 2)
    name = factory.LazyAttribute(lambda o: f"Area {o.pcode}")
    parent = None


def mali_areas() -> dict[str, AdminArea]:
    """Ménaka and Mopti regions with the cercles the tests use."""
    menaka = AdminAreaFactory(pcode="ML10", name="Menaka", name_fr="Ménaka")
    mopti = AdminAreaFactory(pcode="ML05", name="Mopti")
    return {
        "ML10": menaka,
        "ML05": mopti,
        "ML1001": AdminAreaFactory(pcode="ML1001", name="Menaka", name_fr="Ménaka", parent=menaka),
        "ML1002": AdminAreaFactory(pcode="ML1002", name="Anderamboukane", parent=menaka),
        "ML1003": AdminAreaFactory(pcode="ML1003", name="Inekar", name_fr="Inékar", parent=menaka),
        "ML0501": AdminAreaFactory(pcode="ML0501", name="Bandiagara", parent=mopti),
    }


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Site {n}")
    kind = Site.Kind.PLANNED_SITE
    admin_area = factory.LazyFunction(lambda: AdminAreaFactory(pcode="ML0501", name="Bandiagara"))
