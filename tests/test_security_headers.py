"""What every answer tells the browser: keep no copy of personal data, run only Abri's own scripts."""

import pytest
from django.test import Client

from abri.core.middleware import CONTENT_SECURITY_POLICY
from abri.dashboard.tests.test_views import clerk_client  # noqa: F401 -- the fixture, shared

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/households/", "/imports/", "/api/v1/households"])
def test_pages_and_api_answers_with_personal_data_are_never_stored(clerk_client, path):  # noqa: F811 -- the fixture imported above, requested by name
    response = clerk_client.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_the_policy_allows_abri_s_own_scripts_only():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in directives["script-src"] + directives["style-src"]


def test_the_pages_carry_no_inline_script_the_policy_would_block(clerk_client):  # noqa: F811 -- the fixture imported above, requested by name
    for path in ("/", "/households/", "/households/new/", "/imports/"):
        body = clerk_client.get(path).content.decode()
        for chunk in body.split("<script")[1:]:
            tag = chunk.split(">", 1)[0]
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert "<style" not in body, path


def test_the_login_page_is_not_stored_either():
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
