"""Field encryption: authenticated, never the same twice, refused when changed; bulk gives what one-by-one gives."""

import base64
import hashlib
import hmac

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from abri.core import crypto

VALUES = ["", "76 12 34 56", "+22376123456", "12345678901234A", "a" * 15, "b" * 16, "c" * 33, "Aïssata Walet Intalla"]


def test_encrypt_many_writes_values_that_decrypt_to_each_value():
    tokens = crypto.encrypt_many(VALUES)

    assert [crypto.decrypt(token) for token in tokens] == VALUES
    assert tokens[0] == ""
    assert crypto.encrypt("") == ""
    assert all(token.startswith(f"a2.{crypto.current_key_id()}.") for token in tokens[1:])


def test_the_same_value_is_never_written_twice_the_same_way():
    tokens = crypto.encrypt_many(["76123456"] * 50) + [crypto.encrypt("76123456") for _ in range(50)]

    assert len(set(tokens)) == 100
    assert {crypto.decrypt(token) for token in tokens} == {"76123456"}
    assert all("76123456" not in token for token in tokens)


@pytest.mark.parametrize("position", [3, 10, 30, -2])
def test_a_tampered_value_is_refused(position):
    token = bytearray(crypto.encrypt_many(["12345678901234A"])[0].encode())
    token[position] = ord("A") if token[position] != ord("A") else ord("B")

    with pytest.raises(crypto.FieldKeyError):
        crypto.decrypt(token.decode())


def test_values_are_aes_gcm_with_the_derived_key_and_bound_to_their_use():
    *_others, aead_key = crypto._derived(crypto._master_key())
    token = crypto.encrypt("+22376123456")
    data = base64.urlsafe_b64decode(token.removeprefix(f"a2.{crypto.current_key_id()}."))

    assert AESGCM(aead_key).decrypt(data[:12], data[12:], b"abri field value") == b"+22376123456"
    with pytest.raises(InvalidTag):  # the same ciphertext presented for another use is refused
        AESGCM(aead_key).decrypt(data[:12], data[12:], b"another use")


def test_values_written_without_a_key_id_by_earlier_versions_are_still_read():
    *_others, aead_key = crypto._derived(crypto._master_key())
    nonce = bytes(12)
    legacy = (
        "a1."
        + base64.urlsafe_b64encode(nonce + AESGCM(aead_key).encrypt(nonce, b"12345AB", b"abri field value")).decode()
    )

    assert crypto.decrypt(legacy) == "12345AB"


def test_every_key_of_the_ring_reads_and_finds_and_the_first_writes(settings):
    old = crypto.encrypt("76123456")
    old_hash = crypto.blind_index("76123456", purpose="phone")
    settings.ABRI_FIELD_KEY = f"{crypto.new_key()},{settings.ABRI_FIELD_KEY}"

    new = crypto.encrypt("76123456")
    assert crypto.decrypt(old) == crypto.decrypt(new) == "76123456"
    assert not old.startswith(crypto.current_prefix())
    assert new.startswith(crypto.current_prefix())
    assert crypto.blind_indexes("76123456", purpose="phone") == [
        crypto.blind_index("76123456", purpose="phone"),
        old_hash,
    ]


def test_a_key_file_changed_on_disk_is_read_again(settings, tmp_path):
    settings.ABRI_FIELD_KEY = ""
    settings.ABRI_FIELD_KEY_FILE = tmp_path / "field.key"
    first = crypto.current_key_id()  # the file is made on first use
    assert len(crypto.key_ring()) == 1
    crypto.key_file_write(tmp_path / "field.key", [crypto.new_key(), *crypto.key_ring()[0].decode().split()])

    assert crypto.current_key_id() != first
    assert crypto.ring_id().split(",")[1] == first


def test_values_written_as_fernet_tokens_by_earlier_versions_are_still_read():
    fernet_key, *_others = crypto._derived(crypto._master_key())
    legacy = Fernet(base64.urlsafe_b64encode(fernet_key)).encrypt(b"12345AB").decode()

    assert crypto.decrypt(legacy) == "12345AB"


def test_a_value_encrypted_under_another_key_is_refused(settings):
    token = crypto.encrypt("76123456")
    settings.ABRI_FIELD_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()

    with pytest.raises(crypto.FieldKeyError):
        crypto.decrypt(token)


def test_blind_index_many_matches_blind_index():
    assert crypto.blind_index_many(VALUES, purpose="phone") == [
        crypto.blind_index(value, purpose="phone") for value in VALUES
    ]
    assert crypto.blind_index_many(VALUES[1:2], purpose="phone") != crypto.blind_index_many(
        VALUES[1:2], purpose="id_number"
    )


def test_blind_index_many_is_hmac_sha256_of_purpose_and_value():
    _fernet, index_key, *_others = crypto._derived(crypto._master_key())
    expected = hmac.new(index_key, b"phone:76123456", hashlib.sha256).hexdigest()

    assert crypto.blind_index_many(["76123456"], purpose="phone") == [expected]
