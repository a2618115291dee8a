"""API tokens: shown once, stored as a hash, refused once revoked or expired."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from abri.access.api import ApiTokenAuth
from abri.access.models import ApiToken
from abri.access.services import token_create, token_revoke
from abri.access.tests.factories import UserFactory
from abri.core.errors import ValidationFailed
from abri.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def authenticate(plain: str):
    request = RequestFactory().get("/api/v1/households", HTTP_AUTHORIZATION=f"Bearer {plain}")
    return ApiTokenAuth()(request)


def test_token_create_keeps_only_hash_and_prefix():
    admin = UserFactory(username="admin")
    clerk = UserFactory(username="clerk")
    token, plain = token_create(actor=admin, user=clerk, name="Kobo sync Ménaka", days=30)

    token.refresh_from_db()
    assert plain.startswith("abri_")
    assert len(plain) == 5 + 43
    assert token.prefix == plain[:12]
    assert token.key_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in {token.name, token.prefix, token.key_hash}
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)
    entry = AuditEntry.objects.get(target_type="access.apitoken", target_id=str(token.pk))
    assert (entry.actor, entry.action, entry.changes) == (admin, "api_token.create", {"user": clerk.pk, "days": 30})
    assert plain not in str(entry.changes)


def test_two_tokens_differ():
    clerk = UserFactory()
    _, first = token_create(actor=None, user=clerk, name="one")
    _, second = token_create(actor=None, user=clerk, name="two")
    assert first != second


@pytest.mark.parametrize(("name", "days", "field"), [("  ", None, "name"), ("ok", 0, "days"), ("ok", 4000, "days")])
def test_token_create_refuses_bad_input_and_writes_nothing(name, days, field):
    with pytest.raises(ValidationFailed) as failure:
        token_create(actor=None, user=UserFactory(), name=name, days=days)
    assert list(failure.value.errors) == [field]
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.exists()


def test_valid_token_authenticates_and_records_last_use():
    clerk = UserFactory()
    token, plain = token_create(actor=None, user=clerk, name="sync")
    assert authenticate(plain) == clerk
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_token_is_refused():
    clerk = UserFactory()
    token, plain = token_create(actor=None, user=clerk, name="sync")
    bystander, bystander_plain = token_create(actor=None, user=clerk, name="other")

    token_revoke(actor=clerk, token=token)
    first_revocation = token.revoked_at
    token_revoke(actor=clerk, token=token)

    assert authenticate(plain) is None
    assert authenticate(bystander_plain) == clerk
    assert token.revoked_at == first_revocation
    bystander.refresh_from_db()
    assert bystander.revoked_at is None
    assert AuditEntry.objects.filter(action="api_token.revoke").count() == 1


def test_expired_token_is_refused():
    token, plain = token_create(actor=None, user=UserFactory(), name="sync", days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert authenticate(plain) is None


def test_token_of_inactive_user_is_refused():
    clerk = UserFactory()
    _, plain = token_create(actor=None, user=clerk, name="sync")
    clerk.is_active = False
    clerk.save()
    assert authenticate(plain) is None


def test_unknown_token_is_refused():
    token_create(actor=None, user=UserFactory(), name="sync")
    assert authenticate("abri_not-a-token") is None


def test_create_token_command_prints_the_token_once():
    clerk = UserFactory(username="clerk")
    out, err = StringIO(), StringIO()
    call_command("create-token", "clerk", "--name", "Kobo sync", "--days", "90", stdout=out, stderr=err)

    plain = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert (token.user, token.name) == (clerk, "Kobo sync")
    assert plain not in err.getvalue()
    assert f"Token {token.prefix}… for clerk (Kobo sync), expires " in err.getvalue()
    assert authenticate(plain) == clerk


def test_create_token_command_refuses_unknown_user_and_bad_days():
    UserFactory(username="clerk")
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("create-token", "nobody", "--name", "x", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="days"):
        call_command("create-token", "clerk", "--name", "x", "--days", "0", stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()


def test_revoke_token_command():
    clerk = UserFactory(username="clerk")
    token, plain = token_create(actor=None, user=clerk, name="sync")
    out = StringIO()
    call_command("revoke-token", token.prefix, stdout=out)
    assert out.getvalue() == f"Revoked {token.prefix}… of clerk (sync).\n"
    assert authenticate(plain) is None
    with pytest.raises(CommandError, match="No active token"):
        call_command("revoke-token", token.prefix, stdout=StringIO())
