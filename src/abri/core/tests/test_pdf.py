"""Printed documents: what is given is what is printed, markup included, on as many pages as needed."""

import io

from pypdf import PdfReader

from abri.core import pdf


def _text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_a_list_prints_every_row_with_accents_and_markup_as_typed():
    rows = [(f"MNK-{number:04d}", f"Fatoumata Walet <b>{number}</b> & co", "Ménaka") for number in range(1, 121)]
    document = pdf.Document(title="Liste publiée — Ménaka", subtitle="Version 1", footer="Abri")
    document.add(pdf.heading("Ménages retenus"), pdf.table(["N°", "Chef de ménage", "Cercle"], rows))
    pages, content = _text(document.render())
    assert pages > 1  # the header repeats; the rows do not fit one page
    assert "Liste publiée — Ménaka" in content
    assert "MNK-0001" in content
    assert "MNK-0120" in content
    assert "Fatoumata Walet <b>120</b> & co" in content


def test_a_sign_off_block_names_everyone_present():
    document = pdf.Document(title="Comité de sélection", wide=True)
    document.add(
        pdf.sign_off(
            "Membres présents",
            [("Fatimata Walet Ahmed", "Secrétaire"), ("Hamadoun Dicko", "Autorité locale")],
            labels=("Nom", "Rôle", "Signature"),
        )
    )
    _pages, content = _text(document.render())
    assert "Fatimata Walet Ahmed" in content
    assert "Autorité locale" in content
    assert "Signature" in content
