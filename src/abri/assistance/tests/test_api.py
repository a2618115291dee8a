"""POST /api/v1/handovers: 201, the same answer on a replay, 409 naming the earlier handover, 422 for a
key reused with another body, and each bad input refused with its reason and nothing written."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from abri.access.selectors import scope_for
from abri.assistance.models import DistributionKits, Handover, IdempotencyKey
from abri.assistance.services import distribution_close, entitlement_cancel
from abri.assistance.tests.factories import setting
from abri.assistance.tokens import token_display, token_new

pytestmark = pytest.mark.django_db


@pytest.fixture
def found():
    return setting(today=timezone.localdate())


def _post(client: Client, body: dict, key: str | None = "key-00000001"):
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"} | ({} if key is None else {"HTTP_IDEMPOTENCY_KEY": key})
    return client.post("/api/v1/handovers", json.dumps(body), content_type="application/json", **headers)


def _client(user) -> Client:
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))  # as now stored: a later setting() sets its password again
    return client


def _state(found):
    return (
        list(Handover.objects.values_list("pk", "status")),
        list(IdempotencyKey.objects.values_list("key", "status_code")),
        DistributionKits.objects.get(distribution=found.distribution).available,
    )


def test_a_handover_is_created_then_replayed_with_the_same_answer(found):
    client = _client(found.officer)
    token = token_display(found.entitlements[0].token)
    body = {"token": token, "distribution": found.distribution.code, "point": "Site Nord"}
    first = _post(client, body)
    assert first.status_code == 201, first.content
    answer = first.json()
    assert answer["token"] == token
    assert answer["household"] == found.households[0].registration_number
    assert (answer["distribution"], answer["point"], answer["recorded_by"]) == (
        found.distribution.code,
        "Site Nord",
        "distribution.menaka",
    )
    replay = _post(client, body)
    assert (replay.status_code, replay.json()) == (201, answer)
    assert Handover.objects.count() == 1
    assert DistributionKits.objects.get(distribution=found.distribution).available == 2


def test_an_entitlement_redeemed_already_answers_409_with_the_earlier_handover(found):
    client = _client(found.officer)
    token = found.entitlements[0].token
    first = _post(client, {"token": token}).json()
    before = _state(found)
    again = _post(client, {"token": token.lower()}, key="key-00000002")
    assert again.status_code == 409
    assert again.json()["earlier"] == first
    assert again.json()["detail"].startswith("Already handed over")
    assert _state(found) == before


def test_the_same_key_with_another_body_is_refused(found):
    client = _client(found.officer)
    _post(client, {"token": found.entitlements[0].token})
    before = _state(found)
    response = _post(client, {"token": found.entitlements[1].token})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "Idempotency-Key"
    assert _state(found) == before


@pytest.mark.parametrize("key", [None, "", "short", "x" * 101, "clé-avec-accent", "a b c d e f g h"])
def test_a_missing_or_malformed_key_is_refused(found, key):
    before = _state(found)
    response = _post(_client(found.officer), {"token": found.entitlements[0].token}, key=key)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "Idempotency-Key"
    assert _state(found) == before


def test_each_bad_token_is_refused_with_its_reason_and_nothing_is_written(found):
    other = setting(code="MNK-NFI-2023-01", households=1, kits=1, today=timezone.localdate())
    client = _client(found.officer)
    entitlement_cancel(
        actor=found.officer, scope=scope_for(user=found.officer), entitlement=found.entitlements[2], reason="Parti"
    )
    token = found.entitlements[0].token
    mistyped = token[:3] + token[4] + token[3] + token[5:]
    if mistyped == token:
        mistyped = token[:-1] + ("1" if token[-1] != "1" else "2")
    cases = [
        ({"token": token_new()}, 404, "No entitlement"),
        ({"token": mistyped}, 422, "mistyped"),
        ({"token": "hello"}, 422, "not a token"),
        ({"token": found.entitlements[2].token}, 422, "cancelled"),
        ({"token": other.entitlements[0].token, "distribution": found.distribution.code}, 422, "another distribution"),
        ({"token": token, "distribution": "NOPE"}, 404, "No distribution"),
        ({"token": token, "receiver": "proxy"}, 422, "proxy"),
    ]
    before = _state(found)
    for number, (body, status, reason) in enumerate(cases):
        response = _post(client, body, key=f"bad-input-{number:04d}")
        assert response.status_code == status, (body, response.content)
        assert reason in json.dumps(response.json()), (body, response.content)
    assert _state(found) == before


def test_outside_the_days_or_with_no_kit_left_nothing_is_written():
    early = setting(today=timezone.localdate() + timezone.timedelta(days=1))
    empty = setting(code="MNK-EMPTY", kits=0, today=timezone.localdate())
    client = _client(early.officer)
    before = _state(early)
    response = _post(client, {"token": early.entitlements[0].token})
    assert (response.status_code, response.json()["detail"][0]["field"]) == (422, "distribution")
    assert _state(early) == before
    before = _state(empty)
    response = _post(client, {"token": empty.entitlements[0].token}, key="no-kit-left-1")
    assert response.status_code == 422
    assert "No kit is left" in response.json()["detail"][0]["message"]
    assert _state(empty) == before


def test_a_closed_distribution_refuses_and_another_user_may_not_record(found):
    distribution_close(actor=found.officer, scope=scope_for(user=found.officer), distribution=found.distribution)
    before = _state(found)
    response = _post(_client(found.officer), {"token": found.entitlements[0].token})
    assert response.status_code == 422
    assert _state(found) == before


def test_without_a_login_the_api_answers_401(found):
    assert _post(Client(), {"token": found.entitlements[0].token}).status_code == 401
