"""Bulk encryption and keyed hashes give what the one-value functions give."""

import base64

import pytest
from cryptography.fernet import Fernet

from abri.core import crypto

VALUES = ["", "76 12 34 56", "+22376123456", "12345678901234A", "a" * 15, "b" * 16, "c" * 33, "Aïssata Walet Intalla"]


def test_encrypt_many_writes_fernet_tokens_that_decrypt_to_each_value():
    tokens = crypto.encrypt_many(VALUES)

    assert [crypto.decrypt(token) for token in tokens] == VALUES
    assert tokens[0] == ""
    fernet, _index_key, _files = crypto._keys(crypto._master_key())
    assert all(isinstance(fernet.extract_timestamp(token.encode()), int) for token in tokens[1:])


def test_encrypt_many_never_writes_the_same_token_twice():
    tokens = crypto.encrypt_many(["76123456"] * 50)

    assert len(set(tokens)) == 50
    assert {crypto.decrypt(token) for token in tokens} == {"76123456"}


def test_a_tampered_bulk_token_is_refused():
    token = bytearray(crypto.encrypt_many(["12345678901234A"])[0].encode())
    token[40] = ord("A") if token[40] != ord("A") else ord("B")

    with pytest.raises(crypto.FieldKeyError):
        crypto.decrypt(token.decode())


def test_encrypt_many_tokens_are_read_by_plain_fernet_with_the_derived_key():
    fernet_key, _index_key, _files_key = crypto._derived(crypto._master_key())

    token = crypto.encrypt_many(["+22376123456"])[0]

    assert Fernet(base64.urlsafe_b64encode(fernet_key)).decrypt(token.encode()) == b"+22376123456"


def test_blind_index_many_matches_blind_index():
    assert crypto.blind_index_many(VALUES, purpose="phone") == [
        crypto.blind_index(value, purpose="phone") for value in VALUES
    ]
    assert crypto.blind_index_many(VALUES[1:2], purpose="phone") != crypto.blind_index_many(
        VALUES[1:2], purpose="id_number"
    )
