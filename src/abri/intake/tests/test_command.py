"""abri import FILE --commit: the command-line way in, with its progress bar."""

import io

import pytest
from django.core.management import CommandError, call_command

from abri.intake.models import ImportBatch
from abri.intake.tests.factories import family, household_row, kobo_workbook
from abri.registry.models import Household

pytestmark = pytest.mark.django_db


@pytest.mark.french
def test_import_command_validates_commits_and_shows_progress(tmp_path, areas, iom, officer):
    path = kobo_workbook(
        tmp_path / "export.xlsx", [household_row(1), household_row(2, consent="")], family(1) + family(2)
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("import", str(path), "--organisation", "iom", "--user", "officer", "--commit", stdout=out, stderr=err)
    batch = ImportBatch.objects.get()
    assert out.getvalue().splitlines() == [  # the command speaks Abri's default language, French
        (
            f"Lot {batch.pk} : 2 ménages (6 personnes) : 1 valides, 1 avec erreurs, 0 doublons possibles, "
            "0 déjà importés."
        ),
        "  Erreur: Enregistrement des ménages!consent3 consent, colonne consent : Ce champ est obligatoire.",
        "Intégré : 1 créés, 0 mis à jour, 0 inchangés.",
    ]
    progress = err.getvalue()
    assert "validated   [##############################] 4/4" in progress
    assert "committed   [##############################] 1/1" in progress
    assert Household.objects.count() == 1
    assert batch.created_by == officer


def test_import_command_refuses_an_unreadable_file_clearly(tmp_path, areas, iom):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(CommandError, match="password-protected"):
        call_command("import", str(path), "--organisation", "IOM", stdout=io.StringIO(), stderr=io.StringIO())
    assert Household.objects.count() == 0
