"""French and English catalogs are complete, compiled, and French is what a visitor sees first."""

from pathlib import Path

import polib
import pytest
from django.test import Client
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_catalog_is_complete_and_compiled(language: str) -> None:
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    untranslated = [entry.msgid for entry in po if not entry.translated() and not entry.obsolete]
    assert untranslated == []
    mo = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    compiled = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in mo}  # "planned" and "planned" as a status
    stale = [
        entry.msgid
        for entry in po.translated_entries()
        if not entry.msgid_plural and compiled.get((entry.msgctxt, entry.msgid)) != entry.msgstr
    ]
    assert stale == []


def test_french_is_the_default_and_english_is_one_click_away(db, client: Client) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert "Se connecter" in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}, follow=True)
    assert "Log in" in response.content.decode()
    assert 'lang="en"' in response.content.decode()


def test_service_messages_are_translated() -> None:
    with translation.override("fr"):
        assert translation.gettext("This date is in the future.") == "Cette date est dans le futur."


def test_an_english_browser_still_gets_french_pages_until_the_user_switches(db, client: Client) -> None:
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="fr"' in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'lang="en"' in page


def test_the_api_answers_in_the_language_the_client_asks_for(db, client: Client) -> None:
    response = client.get("/api/v1/households", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.headers["Content-Language"] == "en"
