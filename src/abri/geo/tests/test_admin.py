"""The admin pages write sites through the services (validated, audited)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from abri.core.models import AuditEntry
from abri.geo.models import Site
from abri.geo.tests.factories import AdminAreaFactory


@pytest.mark.django_db
def test_admin_adds_a_site_through_the_service_and_shows_its_errors(client: Client) -> None:
    area = AdminAreaFactory(pcode="ML0501", level=2, name="Bandiagara")
    client.force_login(User.objects.create_superuser(username="admin", password="x"))
    form = {"name": "Musée de Bandiagara", "kind": "collective_centre", "admin_area": "ML0501", "is_open": "on"}

    created = client.post("/admin/geo/site/add/", {**form, "capacity": "500"})
    refused = client.post("/admin/geo/site/add/", {**form, "latitude": "95", "longitude": "-3.6"})

    assert created.status_code == 302
    assert list(Site.objects.values_list("name", "admin_area_id", "capacity")) == [
        ("Musée de Bandiagara", area.pk, 500)
    ]
    assert refused.status_code == 200
    assert "Bandiagara already has a site of this name." in refused.content.decode()
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["site_created"]


@pytest.mark.django_db
def test_admin_area_pages_list_areas_but_cannot_add_them(client: Client) -> None:
    AdminAreaFactory(pcode="ML10", name="Menaka", name_fr="Ménaka")
    client.force_login(User.objects.create_superuser(username="admin", password="x"))

    listing = client.get("/admin/geo/adminarea/")
    add = client.get("/admin/geo/adminarea/add/")

    assert "Ménaka" in listing.content.decode()
    assert add.status_code == 403
