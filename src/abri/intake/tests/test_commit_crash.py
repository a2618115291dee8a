"""A commit killed with SIGKILL in the middle leaves no partial household; running it again
finishes the job exactly once (PostgreSQL: the commit runs in another process)."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from abri.intake.models import BatchStatus, ImportBatch, ImportedSubmission
from abri.intake.services import batch_commit, batch_commit_request, batch_create, batch_validate
from abri.intake.tests.factories import family, household_row, kobo_workbook
from abri.registry.models import Household, Individual

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Writes the new households, then stops before the commit of the transaction: the moment to kill.
COMMIT_AND_HANG = """
import time
from abri.intake import services

def hang(**arguments):
    print("written", flush=True)
    time.sleep(600)

services.households_bulk_update = hang
services.batch_commit(batch_id={batch_id}, actor=None)
"""


def test_kill_9_during_commit_writes_nothing_and_a_rerun_commits_once(tmp_path, areas, iom, officer):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the commit runs in a second process")
    path = kobo_workbook(tmp_path / "export.xlsx", [household_row(number) for number in range(1, 31)],
                         [member for number in range(1, 31) for member in family(number)])  # fmt: skip
    batch = batch_validate(batch_id=batch_create(actor=officer, organisation=iom, files=[(path, path.name)]).pk)
    batch = batch_commit_request(actor=officer, batch=batch)
    settings = connection.settings_dict
    environment = dict(
        os.environ,
        DATABASE_URL=f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}",
        DJANGO_SETTINGS_MODULE="abri.config.settings_test",
    )
    # The data folder of this worker is already in ABRI_DATA_DIR: the child must not nest it again.
    environment.pop("PYTEST_XDIST_WORKER", None)
    child = subprocess.Popen(  # noqa: S603 -- our own interpreter and command
        [sys.executable, "-m", "django", "shell", "-c", COMMIT_AND_HANG.format(batch_id=batch.pk)],
        env=environment,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    deadline = time.monotonic() + 120
    line = ""
    while time.monotonic() < deadline and "written" not in line:
        line = child.stdout.readline()
    assert "written" in line
    os.kill(child.pid, signal.SIGKILL)
    child.wait()

    assert Household.objects.count() == 0
    assert Individual.objects.count() == 0
    assert ImportedSubmission.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTING

    batch = batch_commit(batch_id=batch.pk, actor=officer)
    batch = batch_commit(batch_id=batch.pk, actor=officer)
    assert batch.status == BatchStatus.COMMITTED
    assert ImportBatch.objects.get(pk=batch.pk).households_created == 30
    assert Household.objects.count() == 30
    assert Individual.objects.count() == 90
    assert ImportedSubmission.objects.count() == 30
