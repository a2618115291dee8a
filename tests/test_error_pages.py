"""Abri's own 403, 404, CSRF and 500 pages: in the user's language, with the menu and a way back."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory, OrganisationFactory
from abri.geo.tests.factories import mali_areas

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper() -> User:
    areas = mali_areas()
    return MembershipFactory(
        organisation=OrganisationFactory(acronym="IOM"), role=Role.WAREHOUSE_OFFICER, areas=[areas["ML10"]]
    ).user


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_missing_page_is_abris_own_in_french_with_the_menu(keeper):
    response = _client(keeper).get("/nulle-part/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page introuvable" in page
    assert 'class="mainnav"' in page
    assert 'href="/stock/"' in page  # the menu of the role
    assert "Retour au tableau de bord" in page
    assert "Not Found" not in page


def test_a_page_the_role_may_not_open_says_so_in_english_when_asked(keeper):
    client = _client(keeper)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/stock/kits/1/edit/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Not allowed" in page
    assert "Back to the dashboard" in page


def test_an_expired_form_says_nothing_was_saved():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Formulaire expiré" in response.content.decode()


def test_the_server_error_page_needs_no_database_nor_context():
    request = RequestFactory().get("/")
    with translation.override("fr"):
        response = server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert "Une erreur s'est produite" in page or "Une erreur" in page
    assert 'href="/"' in page
