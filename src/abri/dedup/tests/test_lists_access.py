"""Who sees an uploaded partner list, how it is kept, and when it goes."""

from __future__ import annotations

import datetime
import io
import stat
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory
from abri.core.models import AuditEntry
from abri.dedup.lists import services as lists_services
from abri.dedup.lists import storage as lists_storage
from abri.dedup.lists.services import list_runs_purge_expired
from abri.dedup.models import ListRun, ListRunStatus
from abri.dedup.tests.conftest import REGISTRATIONS
from abri.dedup.tests.lists_fixtures import (
    accept_guesses,
    csv_bytes,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]


@pytest.fixture
def finished(logged_in) -> ListRun:
    upload(logged_in, ("liste.csv", csv_bytes(REGISTRATIONS)))
    run = ListRun.objects.get()
    accept_guesses(logged_in, run)
    run.refresh_from_db()
    assert run.status == ListRunStatus.DONE
    return run


def _urls(run: ListRun) -> list[str]:
    return [reverse(f"lists:{name}", args=[run.uuid]) for name in ("detail", "map", "pairs", "clusters")]


def test_a_registration_officer_cannot_open_the_pages(en_client, iom, finished):
    officer = MembershipFactory(organisation=iom, role=Role.REGISTRATION_OFFICER, all_areas=True).user
    en_client.force_login(officer)
    assert en_client.get(reverse("lists:home")).status_code == 404
    for url in _urls(finished):
        assert en_client.get(url).status_code == 404
    assert en_client.post(reverse("lists:delete", args=[finished.uuid])).status_code == 404
    assert ListRun.objects.filter(pk=finished.pk).exists()
    assert "Partner lists" not in en_client.get(reverse("dashboard:home")).content.decode()


def test_the_menu_shows_the_pages_to_whom_may_use_them(logged_in):
    assert 'href="/lists/"' in logged_in.get(reverse("dashboard:home")).content.decode()


def test_someone_else_cannot_see_or_delete_a_run(en_client, other_im_officer, finished):
    en_client.force_login(other_im_officer)
    for url in _urls(finished):
        assert en_client.get(url).status_code == 404
    assert en_client.post(reverse("lists:delete", args=[finished.uuid])).status_code == 404
    home = en_client.get(reverse("lists:home"))
    assert list(home.context["runs"]) == []
    assert "liste.csv" not in home.content.decode()
    assert ListRun.objects.filter(pk=finished.pk).exists()


def test_an_anonymous_visitor_is_sent_to_log_in(finished):
    response = Client().get(reverse("lists:detail", args=[finished.uuid]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("access:login"))


def test_files_at_rest_are_encrypted_in_a_private_folder(finished, data_dir: Path):
    folder = lists_storage.run_folder(finished)
    assert folder.parent == data_dir / "private" / "lists"
    assert sorted(path.name for path in folder.iterdir()) == [
        "clusters.csv.enc",
        "pairs.csv.enc",
        "shown.parquet.enc",
        "source-1.enc",
    ]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        content = path.read_bytes()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert b"Moussa" not in content
        assert b"Ag Mohamed" not in content
    assert b"Moussa" in (lists_storage.read(finished, "source-1") or b"")


def test_urls_and_the_audit_hold_no_personal_value(logged_in, finished):
    for url in _urls(finished):
        assert str(finished.uuid) in url
        assert "liste" not in url
    changes = " ".join(str(entry.changes) for entry in AuditEntry.objects.all())
    for value in ("Moussa", "Traoré", "A1", "ML100101", "Prénom", "liste.csv"):
        assert value not in changes
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["list_run.create", "list_run.configure", "list_run.finish"]


def test_delete_removes_the_run_and_its_files_and_leaves_the_others(logged_in, finished):
    upload(logged_in, ("autre.csv", csv_bytes(REGISTRATIONS)))
    bystander = ListRun.objects.exclude(pk=finished.pk).get()
    folder = lists_storage.run_folder(finished)
    response = logged_in.post(reverse("lists:delete", args=[finished.uuid]))
    assert response.status_code == 302
    assert response["Location"] == reverse("lists:home")
    assert not ListRun.objects.filter(pk=finished.pk).exists()
    assert not folder.exists()
    assert list(ListRun.objects.all()) == [bystander]
    assert (lists_storage.run_folder(bystander) / "source-1.enc").exists()
    assert logged_in.get(reverse("lists:detail", args=[finished.uuid])).status_code == 404
    assert AuditEntry.objects.filter(action="list_run.delete", target_id=str(finished.pk)).count() == 1


def test_runs_past_their_retention_are_purged_with_their_files(logged_in, finished):
    upload(logged_in, ("recent.csv", csv_bytes(REGISTRATIONS)))
    recent = ListRun.objects.exclude(pk=finished.pk).get()
    kept = finished.expires_at - finished.created_at
    assert abs(kept - datetime.timedelta(days=7)) < datetime.timedelta(seconds=1)
    folder = lists_storage.run_folder(finished)
    assert list_runs_purge_expired(now=finished.expires_at - datetime.timedelta(seconds=1)) == 0
    ListRun.objects.filter(pk=finished.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    call_command("purge-partner-lists", stdout=io.StringIO())
    assert list(ListRun.objects.all()) == [recent]
    assert not folder.exists()
    assert AuditEntry.objects.filter(action="list_run.expire", actor=None).count() == 1


def test_opening_the_list_page_leaves_an_expired_run_to_the_daily_purge(logged_in, finished):
    ListRun.objects.filter(pk=finished.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    folder = lists_storage.run_folder(finished)

    page = logged_in.get(reverse("lists:home"))

    assert page.status_code == 200
    assert "liste.csv" not in page.content.decode()  # past its retention: no longer shown to its owner
    assert all(logged_in.get(url).status_code == 404 for url in _urls(finished))
    assert list(ListRun.objects.all()) == [finished]  # but a GET writes nothing
    assert folder.exists()

    call_command("purge-partner-lists", stdout=io.StringIO())

    assert not ListRun.objects.exists()
    assert not folder.exists()


def test_the_former_command_name_still_purges(logged_in, finished):
    ListRun.objects.filter(pk=finished.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    call_command("purge-lists", stdout=io.StringIO())
    assert not ListRun.objects.exists()


def test_a_run_deleted_while_the_engine_works_does_not_come_back(logged_in, monkeypatch):
    upload(logged_in, ("liste.csv", csv_bytes(REGISTRATIONS)))
    run = ListRun.objects.get()
    real = lists_services._shown_pairs  # called while the results are being stored

    def deleted_meanwhile(*args, **kwargs):
        logged_in.post(reverse("lists:delete", args=[run.uuid]))  # the "Delete" button, while it runs
        return real(*args, **kwargs)

    monkeypatch.setattr(lists_services, "_shown_pairs", deleted_meanwhile)
    accept_guesses(logged_in, run)
    assert not ListRun.objects.exists()
    assert not (lists_storage.lists_root() / str(run.uuid)).exists()
    assert not AuditEntry.objects.filter(action="list_run.finish").exists()
