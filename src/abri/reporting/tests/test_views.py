"""The reporting pages as a user meets them: the 5W, its files, the import, the operation dashboard."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import Workbook
from pypdf import PdfReader

from abri.reporting.exports import activity_columns
from abri.reporting.models import PartnerActivity
from abri.reporting.tests.factories import reached_setting

pytestmark = pytest.mark.django_db


@pytest.fixture
def found():
    return reached_setting()


@pytest.fixture
def client_im(found) -> Client:
    client = Client()
    client.force_login(found.im_officer)
    return client


def test_the_5w_page_shows_the_distribution_and_links_its_files(client_im):
    response = client_im.get("/reporting/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Ménaka" in text
    assert "ML1001" in text
    assert "/reporting/5w.xlsx" in text
    assert "/reporting/import/" in text  # an information management officer imports partners' rows


def test_the_5w_file_of_a_period_with_no_data_has_its_headers_only(client_im):
    response = client_im.get("/reporting/5w.csv?start=2023-01-01&end=2023-12-31")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="abri-5w_2023-01-01_2023-12-31.csv"'
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 3
    assert lines[2].startswith("#org+prog")


def test_the_files_keep_to_the_filters(client_im):
    everything = client_im.get("/reporting/5w.csv").content.decode("utf-8-sig").splitlines()
    elsewhere = client_im.get("/reporting/5w.csv?area=ML1002").content.decode("utf-8-sig").splitlines()
    assert (len(everything), len(elsewhere)) == (4, 3)
    indicators = client_im.get("/reporting/indicators.xlsx")
    assert indicators.status_code == 200
    assert indicators["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_refused_import_lists_each_row_and_writes_nothing(client_im):
    columns = activity_columns()
    workbook = Workbook()
    workbook.active.append([column.hashtag for column in columns])
    row = {
        "organisation": "NRC",
        "activity": "Kits",
        "adm1_code": "ML99",
        "status": "completed",
        "start_date": "2022-11-15",
        "households": 3,
        "people": -1,
    }
    workbook.active.append([row.get(column.key, "") for column in columns])
    content = io.BytesIO()
    workbook.save(content)
    content.seek(0)
    content.name = "nrc.xlsx"
    response = client_im.post("/reporting/import/", {"file": content})
    assert response.status_code == 422
    text = response.content.decode()
    assert "row 2" in text or "ligne 2" in text
    assert "ML99" in text
    assert "-1" in text
    assert not PartnerActivity.objects.exists()


def test_the_dashboard_counts_registered_targeted_and_reached(client_im):
    response = client_im.get("/reporting/dashboard/")
    assert response.status_code == 200
    figures = response.context["dashboard"].figures
    assert (figures.registered_households, figures.targeted_households, figures.reached_households) == (3, 3, 2)
    assert (figures.targeted_people, figures.reached_people) == (6, 5)
    text = response.content.decode()
    assert text.count("<svg") >= 4  # server-drawn charts, no chart library
    assert "<script" not in text.split("</header>")[-1]


def test_the_dashboard_filters_by_period(client_im):
    response = client_im.get("/reporting/dashboard/?start=2023-01-01")
    figures = response.context["dashboard"].figures
    assert (figures.targeted_households, figures.reached_households) == (0, 0)
    assert figures.registered_households == 3  # registered by then


def test_who_may_not_see_reports_gets_not_found(found):
    client = Client()
    client.force_login(found.setting.officer)  # a distribution officer sees the 5W, not the import
    assert client.get("/reporting/").status_code == 200
    assert client.get("/reporting/import/").status_code == 404


def test_the_situation_report_is_one_page_in_the_language_asked(client_im):
    for language, words in (
        ("fr", ("Rapport de situation", "Ménages atteints")),
        ("en", ("Situation report", "Households reached")),
    ):
        response = client_im.get(f"/reporting/sitrep.pdf?lang={language}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(response.content))
        assert len(reader.pages) == 1
        text = reader.pages[0].extract_text()
        for word in words:
            assert word in text
        assert "Touré" not in text
        assert "Dicko" not in text
