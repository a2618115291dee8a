"""The application starts, serves its login page in French and refuses anonymous users."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_login_page_is_french_by_default(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'lang="fr"' in response.content.decode()


@pytest.mark.django_db
def test_household_list_requires_login(client: Client) -> None:
    response = client.get("/households/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")
