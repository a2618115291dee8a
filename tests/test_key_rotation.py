"""`abri rotate-key` and `abri destroy-keys`: a new key without stopping, and none at all in an emergency."""

from __future__ import annotations

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from abri.access.selectors import scope_for
from abri.access.tests.factories import UserFactory
from abri.core import crypto
from abri.core.key_rotation import reencrypt_all, stores
from abri.core.models import AuditEntry
from abri.core.testing import postgres_only
from abri.dedup.lists import storage
from abri.intake import staging
from abri.registry.access import household_search_q
from abri.registry.models import Household, Individual
from abri.registry.services import household_update
from abri.registry.shown import household_shown, members_shown
from abri.registry.tests.factories import household_input, household_saved, member_input

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("areas")]

PHONE = "76 12 34 56"
ID_NUMBER = "ML19800042"


@pytest.fixture
def key_file(settings, tmp_path):
    """Keys in a file, as in production, with a data folder of the test's own."""
    settings.ABRI_FIELD_KEY = ""
    settings.ABRI_FIELD_KEY_FILE = tmp_path / "field.key"
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path / "field.key"


def _household(iom, phone: str = PHONE, id_number: str = ID_NUMBER, **overrides) -> Household:
    return household_saved(
        organisation=iom,
        phone=phone,
        members=[member_input(id_document_type="national_id", id_number=id_number)],
        **overrides,
    )


@pytest.fixture
def root_scope(db):
    return scope_for(user=UserFactory(username="root", is_superuser=True))


def _rotate(*extra: str) -> str:
    output = io.StringIO()
    call_command("rotate-key", "--grace", "0", *extra, stdout=output)
    return output.getvalue()


def _found_by_phone(phone: str) -> set[str]:
    return set(Household.objects.filter(household_search_q(phone)).values_list("registration_number", flat=True))


def _lines(path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line]


def test_a_rotation_rewrites_every_number_under_a_new_key_and_drops_the_old(key_file, iom, root_scope):
    household = _household(iom)
    shown_before = household_shown(scope=root_scope, household=household).phone.value
    old_key = _lines(key_file)
    assert len(old_key) == 1

    output = _rotate()

    new_key = _lines(key_file)
    assert len(new_key) == 1
    assert new_key != old_key
    household.refresh_from_db()
    member = Individual.objects.get(household=household)
    assert household.phone_encrypted.startswith(crypto.current_prefix())
    assert member.id_number_encrypted.startswith(crypto.current_prefix())
    # What people see and find is the same as before.
    assert household_shown(scope=root_scope, household=household).phone.value == shown_before
    assert members_shown(scope=root_scope, household=household)[0].id_number.value == ID_NUMBER
    assert _found_by_phone(PHONE) == {household.registration_number}
    assert "household phones: 1/1 (100%)" in output
    assert "identity numbers: 1/1 (100%)" in output
    assert f"dropped from {key_file}" in output
    entry = AuditEntry.objects.get(action="field_key.rotated")
    assert entry.target_id == crypto.current_key_id()
    assert entry.changes["rewritten"]["household phones"] == 1


def test_the_old_key_no_longer_reads_what_was_rotated(key_file, iom, settings):
    household = _household(iom)
    old_key = _lines(key_file)[0]
    _rotate()
    household.refresh_from_db()
    settings.ABRI_FIELD_KEY = old_key  # someone who kept a copy of the old key only
    with pytest.raises(crypto.FieldKeyError):
        crypto.decrypt(household.phone_encrypted)


def test_while_a_rotation_runs_both_keys_read_and_find(key_file, iom):
    before = _household(iom)
    old = _lines(key_file)
    crypto.key_file_write(key_file, [crypto.new_key(), *old])  # the rotation's first step
    after = _household(iom, phone="66 00 11 22")

    assert not before.phone_encrypted.startswith(crypto.current_prefix())
    assert after.phone_encrypted.startswith(crypto.current_prefix())
    assert _found_by_phone(PHONE) == {before.registration_number}
    assert _found_by_phone("66 00 11 22") == {after.registration_number}
    assert crypto.decrypt(before.phone_encrypted)
    assert crypto.decrypt(after.phone_encrypted)
    assert {store.name: store.remaining() for store in stores()}["household phones"] == 1


def test_a_rotation_stopped_half_way_is_finished_by_running_it_again(key_file, iom):
    households = [_household(iom, phone=f"76 12 34 {n:02d}") for n in range(5)]
    old = _lines(key_file)
    new = crypto.new_key()
    crypto.key_file_write(key_file, [new, *old])
    phones = next(store for store in stores() if store.name == "household phones")
    phones.reencrypt_some(2, "")  # stopped after one batch of two

    _rotate()

    assert _lines(key_file) == [new]
    for household in households:
        household.refresh_from_db()
        assert household.phone_encrypted.startswith(crypto.current_prefix())
        assert crypto.decrypt(household.phone_encrypted)


def test_values_of_earlier_versions_are_rewritten_too(key_file, iom):
    household = _household(iom)
    clear = crypto.decrypt(household.phone_encrypted)
    fernet_token = crypto._keys(crypto.key_ring()[0])[0].encrypt(clear.encode()).decode()
    Household.objects.filter(pk=household.pk).update(phone_encrypted=fernet_token)

    _rotate()

    household.refresh_from_db()
    assert household.phone_encrypted.startswith(crypto.current_prefix())
    assert crypto.decrypt(household.phone_encrypted) == clear


def test_staged_import_files_credentials_and_partner_lists_are_rewritten(key_file, settings):
    folder = staging.batch_folder(7)
    staged = folder / "source-1.xlsx"
    staging.encrypt_to(staged, [b"nom;telephone\nMariam;76123456\n"])
    staging.secret_keep(7, "kobo", "token-abc")
    lists = storage.lists_root() / "run-1"
    lists.mkdir()
    (lists / "source-0.enc").write_bytes(crypto.encrypt_bytes(b"given_name,phone\nAwa,66001122\n"))
    old = _lines(key_file)

    _rotate()

    assert _lines(key_file) != old
    assert staging.under_current_key(staged)
    assert b"".join(staging.decrypted_chunks(staged)) == b"nom;telephone\nMariam;76123456\n"
    assert staging.secret_take(7, "kobo") == "token-abc"
    assert crypto.bytes_under_current_key((lists / "source-0.enc").read_bytes())
    assert crypto.decrypt_bytes((lists / "source-0.enc").read_bytes()) == b"given_name,phone\nAwa,66001122\n"


def test_files_no_key_opens_are_named_and_left_while_the_rest_is_rotated(key_file, settings):
    lost_key = crypto.new_key()
    settings.ABRI_FIELD_KEY = lost_key  # files written under a key that was later lost
    staging.encrypt_to(staging.batch_folder(8) / "source-1.csv", [b"nom\nAwa\n"])
    settings.ABRI_FIELD_KEY = ""
    readable = staging.batch_folder(9) / "source-1.csv"
    staging.encrypt_to(readable, [b"nom\nFatoumata\n"])
    lost = (staging.batch_folder(8) / "source-1.csv").read_bytes()
    errors = io.StringIO()

    call_command("rotate-key", "--grace", "0", stdout=io.StringIO(), stderr=errors)

    assert staging.under_current_key(readable)
    assert b"".join(staging.decrypted_chunks(readable)) == b"nom\nFatoumata\n"
    assert (staging.batch_folder(8) / "source-1.csv").read_bytes() == lost  # untouched
    assert "staged import files: 1 file(s) that no configured key opens" in errors.getvalue()
    assert str(staging.batch_folder(8) / "source-1.csv") in errors.getvalue()
    entry = AuditEntry.objects.get(action="field_key.rotated")
    assert entry.changes["unreadable"] == {"staged import files": 1}


def test_a_key_from_the_environment_is_rotated_by_the_operator(settings, tmp_path, iom):
    settings.DATA_DIR = tmp_path  # files of this test only
    settings.ABRI_FIELD_KEY = old = crypto.new_key()
    household = _household(iom)
    with pytest.raises(CommandError, match=r"ABRI_FIELD_KEY=new,old"):
        _rotate()

    settings.ABRI_FIELD_KEY = f"{crypto.new_key()},{old}"
    output = _rotate()

    household.refresh_from_db()
    assert household.phone_encrypted.startswith(crypto.current_prefix())
    assert "remove the old key(s) from ABRI_FIELD_KEY" in output


def test_destroying_the_keys_makes_the_numbers_unreadable_and_no_new_key_appears(key_file, iom, root_scope):
    household = _household(iom)
    key = _lines(key_file)[0]

    with pytest.raises(CommandError, match="expected the word DESTROY"):
        call_command("destroy-keys", "--confirm", "yes", stdout=io.StringIO())
    assert _lines(key_file) == [key]

    call_command("destroy-keys", "--confirm", "DESTROY", stdout=io.StringIO())

    assert key not in key_file.read_text()
    assert key_file.read_text().startswith("destroyed ")
    with pytest.raises(crypto.FieldKeyError, match="destroyed"):
        crypto.encrypt("76 12 34 56")
    household.refresh_from_db()
    with translation.override("en"):
        shown = household_shown(scope=root_scope, household=household)
    assert shown.phone.value == "(unreadable: the field key is gone)"
    assert AuditEntry.objects.filter(action="field_key.destroyed").exists()
    with pytest.raises(CommandError, match="destroyed"):
        _rotate()


def test_a_key_from_the_environment_cannot_be_destroyed_by_abri(settings):
    settings.ABRI_FIELD_KEY = crypto.new_key()
    with pytest.raises(CommandError, match="Abri cannot erase it"):
        call_command("destroy-keys", "--confirm", "DESTROY", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_an_edit_during_the_rotation_is_kept_not_overwritten(key_file, iom, monkeypatch):
    postgres_only("the edit runs on its own connection while the rotation has read the rows")
    household = _household(iom)
    old = _lines(key_file)
    crypto.key_file_write(key_file, [crypto.new_key(), *old])
    edited = {}
    real_encrypt_many = crypto.encrypt_many

    def encrypt_then_edit(values):
        if not edited:  # the rotation has read the old value: someone changes the phone now
            edited["done"] = True

            def edit() -> None:
                try:
                    fresh = Household.objects.get(pk=household.pk)
                    member = member_input(id_document_type="national_id", id_number=ID_NUMBER)
                    household_update(
                        actor=None, household=fresh, data=household_input(phone="66 99 88 77", members=[member])
                    )
                except Exception as error:
                    edited["error"] = error
                finally:
                    connection.close()

            writer = threading.Thread(target=edit)
            writer.start()
            writer.join()
        return real_encrypt_many(values)

    monkeypatch.setattr(crypto, "encrypt_many", encrypt_then_edit)
    reencrypt_all()

    assert "error" not in edited
    household.refresh_from_db()
    assert _found_by_phone("66 99 88 77") == {household.registration_number}
    assert household.phone_encrypted.startswith(crypto.current_prefix())
    assert all(store.remaining() == 0 for store in stores())
