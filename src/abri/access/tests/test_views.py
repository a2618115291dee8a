"""Logging in: the form, a refusal in French, the way to the dashboard."""

import pytest
from django.test import Client

from abri.access.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_leads_to_the_dashboard(client: Client) -> None:
    UserFactory(username="aminata")
    page = client.get("/accounts/login/").content.decode()
    assert 'name="username"' in page
    assert 'name="password"' in page
    response = client.post("/accounts/login/", {"username": "aminata", "password": "a-long-test-password"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_wrong_password_is_refused_in_french(client: Client) -> None:
    UserFactory(username="aminata")
    response = client.post("/accounts/login/", {"username": "aminata", "password": "wrong"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides." in body
    assert "_auth_user_id" not in client.session
