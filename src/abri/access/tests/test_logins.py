"""Logins: lockout after repeated failures, and the administrators' optional second factor."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from abri.access.tests.factories import UserFactory
from abri.core.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def login(client: Client, username: str, password: str, path: str = "/accounts/login/", **extra: str):
    return client.post(path, {"username": username, "password": password, **extra})


@override_settings(AXES_ENABLED=True)
def test_five_failed_logins_lock_the_account_even_with_the_right_password(client):
    UserFactory(username="clerk")
    UserFactory(username="bystander")
    for _ in range(4):
        assert login(client, "clerk", "wrong").status_code == 200  # the form again, with an error
    assert login(client, "clerk", "wrong").status_code == 429
    assert login(client, "clerk", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session

    other = Client()
    response = login(other, "bystander", PASSWORD)
    assert response.status_code == 302
    assert "_auth_user_id" in other.session


def current_code(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def test_otp_setup_shows_a_code_once_and_needs_confirmation():
    staff = UserFactory(username="admin", is_staff=True)
    out = StringIO()
    call_command("otp-setup", "admin", stdout=out)

    device = TOTPDevice.objects.get(user=staff)
    assert device.confirmed is False
    assert device.config_url in out.getvalue()
    assert out.getvalue().startswith("Scan this code with an authenticator app")
    assert "abri otp-setup admin --confirm CODE" in out.getvalue()

    with pytest.raises(CommandError, match="erroné ou expiré"):
        call_command("otp-setup", "admin", "--confirm", "000000" if current_code(device) != "000000" else "111111")
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is False
    with pytest.raises(CommandError, match="Trop de codes erronés"):
        call_command("otp-setup", "admin", "--confirm", current_code(device))

    TOTPDevice.objects.get(pk=device.pk).throttle_reset()  # as if the clerk waited
    call_command("otp-setup", "admin", "--confirm", current_code(device), stdout=StringIO())
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is True
    assert [entry.action for entry in AuditEntry.objects.order_by("id")] == ["otp_device.create", "otp_device.confirm"]


def test_otp_setup_is_for_staff_and_can_be_removed():
    UserFactory(username="clerk")
    with pytest.raises(CommandError, match="not staff"):
        call_command("otp-setup", "clerk", stdout=StringIO())
    staff = UserFactory(username="admin", is_staff=True)
    other = UserFactory(username="other", is_staff=True)
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    kept = TOTPDevice.objects.create(user=other, name="phone", confirmed=True)
    out = StringIO()
    call_command("otp-setup", "admin", "--remove", stdout=out)
    assert out.getvalue() == "Removed 1 authenticator(s) of admin.\n"
    assert list(TOTPDevice.objects.all()) == [kept]


def test_staff_without_a_device_logs_into_the_admin_with_a_password(client):
    UserFactory(username="admin", is_staff=True, is_superuser=True)
    response = login(client, "admin", PASSWORD, path="/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_staff_with_a_device_needs_its_code(client):
    staff = UserFactory(username="admin", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)

    refused = login(client, "admin", PASSWORD, path="/admin/login/?next=/admin/")
    assert refused.status_code == 200
    assert client.get("/admin/").status_code == 302

    client.force_login(staff)  # a password-only session (e.g. from the main login page)
    assert client.get("/admin/").status_code == 302

    fresh = Client()
    accepted = login(
        fresh,
        "admin",
        PASSWORD,
        path="/admin/login/?next=/admin/",
        otp_device=device.persistent_id,
        otp_token=current_code(device),
    )
    assert accepted.status_code == 302
    assert fresh.get("/admin/").status_code == 200


# --- the second factor on every page and on the session API ----------------------------------


@pytest.fixture
def officer_with_device():
    user = UserFactory(username="officer")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, device


def test_the_password_alone_does_not_open_the_application_once_a_device_is_set_up(client, officer_with_device):
    response = login(client, "officer", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    expected = (
        "Votre compte est protégé par une application d'authentification : "
        "saisissez les six chiffres qu'elle affiche maintenant."
    )
    assert response.context["form"].non_field_errors() == [expected]

    response = login(client, "officer", PASSWORD, otp_token="000000")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Ce code est erroné ou expiré" in response.content.decode()


def test_the_password_and_the_code_open_every_page_and_the_session_api(client, officer_with_device):
    _user, device = officer_with_device
    response = login(client, "officer", PASSWORD, otp_token=current_code(device))
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/households/").status_code == 200
    assert client.get("/api/v1/households").status_code == 200


def test_a_password_only_session_is_sent_to_the_code_page_and_the_api_refuses_it(client, officer_with_device):
    user, device = officer_with_device
    client.force_login(user)  # opened before the device was set up
    for path in ("/", "/households/", "/imports/", "/lists/", "/duplicates/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/verify/?next="), path
    assert client.get("/api/v1/households").status_code == 401

    page = client.get("/accounts/verify/?next=/households/")
    assert page.status_code == 200
    refused = client.post("/accounts/verify/", {"otp_token": "123456", "next": "/households/"})
    assert refused.status_code == 200
    assert "Ce code est erroné ou expiré" in refused.content.decode()
    assert client.get("/households/").status_code == 302
    too_soon = client.post("/accounts/verify/", {"otp_token": current_code(device), "next": "/households/"})
    assert "Trop de codes erronés" in too_soon.content.decode()

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # a little later
    accepted = client.post("/accounts/verify/", {"otp_token": current_code(device), "next": "/households/"})
    assert accepted.status_code == 302
    assert accepted["Location"] == "/households/"
    assert client.get("/households/").status_code == 200
    assert client.get("/api/v1/households").status_code == 200


def test_the_code_page_does_not_send_anyone_to_another_site(client, officer_with_device):
    user, device = officer_with_device
    client.force_login(user)
    response = client.post("/accounts/verify/", {"otp_token": current_code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_user_without_a_device_still_logs_in_with_the_password(client):
    UserFactory(username="clerk")
    assert login(client, "clerk", PASSWORD).status_code == 302
    assert client.get("/households/").status_code == 200
    assert client.get("/api/v1/households").status_code == 200


@override_settings(AXES_ENABLED=True)
def test_wrong_codes_after_the_right_password_count_towards_the_lockout(client, officer_with_device):
    for _ in range(4):
        assert login(client, "officer", PASSWORD, otp_token="000000").status_code == 200
    assert login(client, "officer", PASSWORD, otp_token="000000").status_code == 429


# --- a stranger cannot lock a known user out ---------------------------------------------------


def _lock_out(username: str, **extra: str) -> None:
    stranger = Client(**extra)
    for _ in range(5):
        login(stranger, username, "guess")
    assert login(stranger, username, "guess").status_code == 429


@override_settings(AXES_ENABLED=True)
def test_a_stranger_behind_the_same_address_does_not_lock_the_user_s_own_browser_out():
    UserFactory(username="clerk")
    own = Client()
    assert login(own, "clerk", PASSWORD).status_code == 302  # the clerk's phone, yesterday
    own.post("/accounts/logout/")

    _lock_out("clerk")  # the same office connection: the same address
    assert login(own, "clerk", PASSWORD).status_code == 302
    assert "_auth_user_id" in own.session

    newcomer = Client()  # a browser that never logged in as the clerk stays locked with the address
    assert login(newcomer, "clerk", PASSWORD).status_code == 429


@override_settings(AXES_ENABLED=True)
def test_a_stolen_known_browser_cookie_buys_one_guess_only():
    UserFactory(username="clerk")
    own = Client()
    login(own, "clerk", PASSWORD)
    stolen = Client()
    stolen.cookies["abri_known_device"] = own.cookies["abri_known_device"].value
    _lock_out("clerk")

    assert login(stolen, "clerk", "guess").status_code == 200  # one wrong try, and the cookie is spent
    assert stolen.cookies["abri_known_device"].value == ""
    assert login(stolen, "clerk", PASSWORD).status_code == 429


@override_settings(AXES_ENABLED=True)
def test_the_cookie_of_one_user_does_not_shield_another():
    UserFactory(username="clerk")
    UserFactory(username="officer")
    own = Client()
    login(own, "clerk", PASSWORD)
    own.post("/accounts/logout/")
    _lock_out("officer")
    assert login(own, "officer", PASSWORD).status_code == 429


@override_settings(AXES_ENABLED=True, ABRI_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_behind_a_trusted_proxy_each_client_is_counted_by_its_own_address():
    UserFactory(username="clerk")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    _lock_out("clerk", **proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")
    elsewhere = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert login(elsewhere, "clerk", PASSWORD).status_code == 302
    # A client cannot escape its count by adding addresses of its own in front.
    forged = Client(**proxy, HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.5")
    assert login(forged, "clerk", PASSWORD).status_code == 429


@override_settings(AXES_ENABLED=True, ABRI_TRUSTED_PROXIES=[])
def test_without_a_trusted_proxy_a_forged_forwarded_address_changes_nothing():
    UserFactory(username="clerk")
    for number in range(5):
        login(Client(HTTP_X_FORWARDED_FOR=f"192.0.2.{number}"), "clerk", "guess")
    assert login(Client(HTTP_X_FORWARDED_FOR="192.0.2.99"), "clerk", PASSWORD).status_code == 429
