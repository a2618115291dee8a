"""Shelter pages as a shelter officer uses them: the site list and page (with the plan), a shelter
page and its forms, the relocation form; refusals show their reason and change nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from abri.registry.models import Household
from abri.shelter.models import Allocation, Relocation, ShelterStatus, StatusChange
from abri.shelter.services import plots_lay_out
from abri.shelter.tests.factories import household_at, officer, scope_of, site, unit_completed


@pytest.fixture
def world(areas, iom):
    user = officer(organisation=iom, area=areas["ML0501"], name="shelter.bandiagara")
    museum = site(area=areas["ML0501"], organisation=iom, name="Musée", capacity=30, kind="collective_centre")
    planned = site(area=areas["ML0501"], organisation=iom, name="Site planifié", capacity=6)
    client = Client()
    client.force_login(user)
    return {"user": user, "client": client, "museum": museum, "planned": planned, "iom": iom}


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).replace("&#x27;", "'")


def test_the_site_list_shows_capacity_and_occupancy_by_area_in_french_and_english(world):
    household_at(organisation=world["iom"], at=world["planned"], members=3)
    text = _text(world["client"].get("/shelter/"))
    assert "Sites et abris" in text
    assert "Site planifié Site planifié 6 1 3 50 %" in text  # name, type, capacity, households, people, occupancy
    world["client"].post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = _text(world["client"].get("/shelter/"))
    assert "Sites and shelter" in text
    assert "Site planifié Planned site 6 1 3 50 %" in text


def test_the_site_page_draws_its_plots_coloured_by_status(world):
    plots = plots_lay_out(actor=None, scope=scope_of(world["user"]), site=world["planned"], blocks=["A"], per_block=2)
    unit = unit_completed(user=world["user"], at=world["planned"], code="S-A-01")
    unit.plot = plots[0]
    unit.save()
    page = world["client"].get(f"/shelter/sites/{world['planned'].pk}/").content.decode()
    rects = re.findall(r'<rect x="(\d+)" y="(\d+)" width="28" height="28" rx="3" fill="(#[0-9a-f]{6})"', page)
    assert rects == [("40", "0", "#8fc98f"), ("72", "0", "#ffffff")]  # completed, then a plot without a shelter
    assert "A-01 · terminé" in page
    assert f'href="/shelter/units/{unit.pk}/"' in page


def test_going_back_without_a_reason_on_the_page_is_refused_and_nothing_changes(world):
    unit = unit_completed(user=world["user"], at=world["planned"], code="A-01")
    changes = StatusChange.objects.count()
    response = world["client"].post(
        f"/shelter/units/{unit.pk}/status/", {"status": "planned", "on": "2022-09-21", "reason": ""}, follow=True
    )
    assert "Revenir de terminé à planifié demande une raison." in _text(response)
    unit.refresh_from_db()
    assert unit.status == ShelterStatus.COMPLETED
    assert StatusChange.objects.count() == changes


def test_allocating_on_the_page_then_an_occupied_shelter_is_refused(world):
    unit = unit_completed(user=world["user"], at=world["planned"], code="A-01")
    first = household_at(organisation=world["iom"], at=world["planned"], members=2)
    second = household_at(organisation=world["iom"], at=world["planned"], members=2)
    data = {
        "household": first.registration_number,
        "on": "2022-09-25",
        "receiver": "head",
        "witness_name": "Moussa Guindo",
        "witness_kind": "authority",
        "witness_title": "Préfet",
    }
    response = world["client"].post(f"/shelter/units/{unit.pk}/allocation/", data, follow=True)
    assert f"Abri A-01 attribué au ménage {first.registration_number}." in _text(response)
    assert "Moussa Guindo (autorité, Préfet)" in _text(response)
    response = world["client"].post(
        f"/shelter/units/{unit.pk}/allocation/", data | {"household": second.registration_number}, follow=True
    )
    assert f"L'abri A-01 est occupé : il est attribué au ménage {first.registration_number}" in _text(response)
    assert list(Allocation.objects.values_list("household", flat=True)) == [first.pk]


def test_the_relocation_form_moves_the_households_it_lists(world):
    moving = [household_at(organisation=world["iom"], at=world["museum"], members=2) for _ in range(2)]
    page = _text(world["client"].get(f"/shelter/relocations/new/?origin={world['museum'].pk}"))
    assert all(f"{h.registration_number} · 2 personnes" in page for h in moving)
    response = world["client"].post(
        "/shelter/relocations/new/",
        {
            "origin": world["museum"].pk,
            "destination": world["planned"].pk,
            "moved_on": "2022-09-15",
            "households": [str(h.pk) for h in moving],
        },
        follow=True,
    )
    assert "2 ménages (4 personnes) relocalisés de Musée vers Site planifié." in _text(response)
    assert set(Household.objects.filter(site=world["planned"]).values_list("pk", flat=True)) == {h.pk for h in moving}


def test_relocating_to_a_full_site_on_the_form_is_refused_and_nothing_moves(world):
    moving = [household_at(organisation=world["iom"], at=world["museum"], members=4) for _ in range(2)]
    response = world["client"].post(
        "/shelter/relocations/new/",
        {
            "origin": world["museum"].pk,
            "destination": world["planned"].pk,
            "moved_on": "2022-09-15",
            "households": [str(h.pk) for h in moving],
        },
    )
    assert response.status_code == 200
    assert "Site planifié est plein : 0 personnes y vivent, 8 arriveraient, pour une capacité de 6." in _text(response)
    assert not Relocation.objects.exists()
    assert not Household.objects.filter(site=world["planned"]).exists()


def test_an_officer_of_another_area_does_not_find_the_site(world, areas, iom):
    other = officer(organisation=iom, area=areas["ML1001"], name="shelter.menaka")
    client = Client()
    client.force_login(other)
    assert client.get(f"/shelter/sites/{world['planned'].pk}/").status_code == 404
    unit = unit_completed(user=world["user"], at=world["planned"], code="A-01")
    assert client.get(f"/shelter/units/{unit.pk}/").status_code == 404
    household = household_at(organisation=iom, at=world["planned"])
    assert (
        client.post(f"/shelter/units/{unit.pk}/allocation/", {"household": household.registration_number}).status_code
        == 404
    )
    assert not Allocation.objects.exists()
