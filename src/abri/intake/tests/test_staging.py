"""Staged import files (uploads, pulls, staged rows) are never written in clear."""

import json

import pytest
from django.urls import reverse

from abri.intake import staging
from abri.intake.models import BatchStatus, ImportBatch
from abri.intake.tests.factories import submission_uuid
from abri.registry.models import Individual

pytestmark = pytest.mark.django_db

NAME = "Zeïnabou Walet Intallah"
PHONE = "76 48 21 93"


def _record():
    return {
        "_uuid": submission_uuid(7),
        "location/admin1": "ML10",
        "location/admin2": "ML1001",
        "consent": "given",
        "consent_date": "2022-11-20",
        "today": "2022-11-20",
        "phone": PHONE,
        "members": [
            {"members/given_names": NAME, "members/sex": "female", "members/relationship": "head",
             "members/birth_date": "1990-01-01"},
        ],
    }  # fmt: skip


def _every_byte_in(folder):
    return {path.name: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_no_staged_file_holds_a_name_or_phone_in_clear_and_the_import_still_works(client, tmp_path, areas, officer):
    path = tmp_path / "kobo.json"
    path.write_text(json.dumps({"results": [_record()]}, ensure_ascii=False), encoding="utf-8")
    assert NAME.encode() in path.read_bytes()
    client.force_login(officer)
    with path.open("rb") as handle:
        client.post(reverse("intake:batch_list"), {"upload": handle})
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.VALIDATED

    files = _every_byte_in(staging.batch_folder(batch))
    assert {"source-1.json", "households.parquet", "members.parquet", "raw_members.parquet"} <= set(files)
    for name, content in files.items():
        for secret in (NAME.encode(), "Zeïnabou".encode(), b"Intallah", PHONE.encode(), b"76482193"):
            assert secret not in content, name
    assert staging.is_encrypted(staging.batch_folder(batch) / "source-1.json")

    client.post(reverse("intake:batch_commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    assert Individual.objects.get().given_names == NAME


def _encrypted(tmp_path, size):
    target = tmp_path / "staged.bin"
    content = bytes(range(256)) * (size // 256)
    staging.encrypt_to(target, [content[: size // 3], content[size // 3 :]])
    return target, content


def test_a_staged_file_reads_back_whole_and_each_chunk_has_its_own_nonce(tmp_path, settings):
    target, content = _encrypted(tmp_path, 3 * staging.CHUNK_BYTES + 1000)
    assert b"".join(staging.decrypted_chunks(target)) == content
    with staging.opened(target) as clear:
        assert clear.read_bytes() == content
    raw = target.read_bytes()
    record = 1 + 12 + 4 + staging.CHUNK_BYTES + 16
    nonces = {raw[8 + index * record + 1 : 8 + index * record + 13] for index in range(3)}
    assert len(nonces) == 3


@pytest.mark.parametrize("damage", ["cut", "swapped", "flipped", "last_dropped"])
def test_a_damaged_staged_file_is_refused_not_read(tmp_path, damage):
    target, _content = _encrypted(tmp_path, 3 * staging.CHUNK_BYTES + 1000)
    raw = bytearray(target.read_bytes())
    record = 1 + 12 + 4 + staging.CHUNK_BYTES + 16
    first, second = raw[8 : 8 + record], raw[8 + record : 8 + 2 * record]
    if damage == "cut":
        raw = raw[: len(raw) - 100]
    elif damage == "swapped":
        raw[8 : 8 + 2 * record] = second + first
    elif damage == "flipped":
        raw[8 + record + 40] ^= 1
    else:  # the file ends after its third chunk, the last one gone
        raw = raw[: 8 + 3 * record]
    target.write_bytes(bytes(raw))
    with pytest.raises(staging.StagedFileError):
        b"".join(staging.decrypted_chunks(target))


def test_an_added_file_leaves_no_copy_behind_in_the_temporary_folder(client, tmp_path, areas, officer, monkeypatch):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(uploads))
    path = tmp_path / "kobo.json"
    path.write_text(json.dumps({"results": [_record()]}), encoding="utf-8")
    client.force_login(officer)
    with path.open("rb") as handle:
        client.post(reverse("intake:batch_list"), {"upload": handle})
    batch = ImportBatch.objects.get()
    with path.open("rb") as handle:
        client.post(reverse("intake:batch_add", args=[batch.pk]), {"upload": handle})
    assert len(staging.source_entries(batch)) == 2
    assert list(uploads.iterdir()) == []
