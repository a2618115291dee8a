"""Abri's household registration XLSForm: French and English labels, the roster as a repeat,
cascading P-code selects, the Washington Group short set.

Its field names are Abri's import field names, so its Kobo or ODK exports import with no column
mapping. The P-code choices (admin 1 and 2 of Mali) come from the OCHA/HDX global P-code list
(CC BY). `write_form` builds the workbook shipped beside this module as
``abri_household_registration.xlsx``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

SHIPPED = Path(__file__).with_name("abri_household_registration.xlsx")
FR, EN = "label::Français (fr)", "label::English (en)"
SURVEY_HEADERS = ["type", "name", FR, EN, "required", "relevant", "choice_filter", "constraint", "appearance"]
CHOICE_HEADERS = ["list_name", "name", FR, EN, "admin1"]

WG = [
    (
        "wg_seeing",
        "A-t-il/elle des difficultés à voir, même avec des lunettes ?",
        "Difficulty seeing, even with glasses?",
    ),
    (
        "wg_hearing",
        "Des difficultés à entendre, même avec un appareil ?",
        "Difficulty hearing, even with a hearing aid?",
    ),
    ("wg_walking", "Des difficultés à marcher ou à monter des marches ?", "Difficulty walking or climbing steps?"),
    ("wg_cognition", "Des difficultés à se souvenir ou à se concentrer ?", "Difficulty remembering or concentrating?"),
    ("wg_self_care", "Des difficultés à prendre soin de soi (se laver, s'habiller) ?", "Difficulty with self-care?"),
    ("wg_communication", "Des difficultés à communiquer dans sa langue habituelle ?", "Difficulty communicating?"),
]
SURVEY = [
    ("today", "today", "", "", "", "", "", "", ""),
    ("begin_group", "location", "Localisation actuelle", "Current location", "", "", "", "", ""),
    ("select_one admin1", "admin1", "Région", "Region", "yes", "", "", "", ""),
    ("select_one admin2", "admin2", "Cercle", "Cercle", "yes", "", "admin1=${admin1}", "", ""),
    ("end_group", "", "", "", "", "", "", "", ""),
    ("begin_group", "displacement", "Déplacement", "Displacement", "", "", "", "", ""),
    ("select_one admin1", "origin_admin1", "Région d'origine", "Region of origin", "", "", "", "", ""),
    (
        "select_one admin2",
        "origin_admin2",
        "Cercle d'origine",
        "Cercle of origin",
        "",
        "",
        "admin1=${origin_admin1}",
        "",
        "",
    ),
    ("date", "departure_date", "Date de départ", "Date of departure", "", "", "", ". <= today()", ""),
    ("date", "arrival_date", "Date d'arrivée", "Date of arrival", "", "", "", ". >= ${departure_date}", ""),
    ("select_one cause", "displacement_cause", "Cause du déplacement", "Cause of displacement", "", "", "", "", ""),
    ("end_group", "", "", "", "", "", "", "", ""),
    (
        "select_one consent",
        "consent",
        "Le ménage consent-il à l'enregistrement ?",
        "Does the household consent to registration?",
        "yes",
        "",
        "",
        "",
        "",
    ),
    ("date", "consent_date", "Date du consentement", "Consent date", "yes", "", "", "", ""),
    ("text", "phone", "Téléphone de contact", "Contact phone", "", "${consent}='given'", "", "", "numbers"),
    ("begin_repeat", "members", "Membres du ménage", "Household members", "", "${consent}='given'", "", "", ""),
    ("text", "given_names", "Prénom(s)", "Given names", "yes", "", "", "", ""),
    ("text", "family_name", "Nom", "Family name", "", "", "", "", ""),
    ("select_one sex", "sex", "Sexe", "Sex", "yes", "", "", "", ""),
    (
        "select_one relationship",
        "relationship",
        "Lien avec le chef de ménage",
        "Relationship to the head",
        "yes",
        "",
        "",
        "",
        "",
    ),
    (
        "select_one yes_no",
        "knows_birth_date",
        "Connaît-il/elle sa date de naissance ?",
        "Is the date of birth known?",
        "yes",
        "",
        "",
        "",
        "",
    ),
    (
        "date",
        "birth_date",
        "Date de naissance",
        "Date of birth",
        "yes",
        "${knows_birth_date}='yes'",
        "",
        ". <= today()",
        "",
    ),
    (
        "integer",
        "age_years",
        "Âge estimé (années)",
        "Estimated age (years)",
        "yes",
        "${knows_birth_date}='no'",
        "",
        ". >= 0 and . <= 120",
        "",
    ),
    ("select_one marital", "marital_status", "Situation matrimoniale", "Marital status", "", "", "", "", ""),
    *(("select_one difficulty", name, fr, en, "", "", "", "", "") for name, fr, en in WG),
    (
        "select_one pregnancy",
        "pregnancy",
        "Enceinte ou allaitante ?",
        "Pregnant or lactating?",
        "",
        "${sex}='female'",
        "",
        "",
        "",
    ),
    ("select_one yes_no", "chronic_illness", "Maladie chronique ?", "Chronic illness?", "", "", "", "", ""),
    ("select_one id_document", "id_document_type", "Pièce d'identité", "Identity document", "", "", "", "", ""),
    ("text", "id_number", "Numéro de la pièce", "Document number", "", "${id_document_type}!=''", "", "", ""),
    ("end_repeat", "", "", "", "", "", "", "", ""),
]
CHOICES = [
    ("consent", "given", "Oui", "Yes"),
    ("consent", "refused", "Non", "No"),
    ("yes_no", "yes", "Oui", "Yes"),
    ("yes_no", "no", "Non", "No"),
    ("sex", "female", "Féminin", "Female"),
    ("sex", "male", "Masculin", "Male"),
    ("cause", "armed_conflict", "Conflit armé ou insécurité", "Armed conflict or insecurity"),
    ("cause", "natural_disaster", "Catastrophe naturelle", "Natural disaster"),
    ("cause", "other", "Autre", "Other"),
    ("relationship", "head", "Chef de ménage", "Head of household"),
    ("relationship", "spouse", "Conjoint(e)", "Spouse"),
    ("relationship", "child", "Fils ou fille", "Son or daughter"),
    ("relationship", "grandchild", "Petit-enfant", "Grandchild"),
    ("relationship", "parent", "Père ou mère", "Father or mother"),
    ("relationship", "sibling", "Frère ou sœur", "Brother or sister"),
    ("relationship", "other_relative", "Autre parent", "Other relative"),
    ("relationship", "non_relative", "Sans lien de parenté", "Not related"),
    ("marital", "single", "Célibataire", "Single"),
    ("marital", "married", "Marié(e)", "Married"),
    ("marital", "widowed", "Veuf ou veuve", "Widowed"),
    ("marital", "divorced", "Divorcé(e)", "Divorced"),
    ("marital", "separated", "Séparé(e)", "Separated"),
    ("difficulty", "no_difficulty", "Aucune difficulté", "No difficulty"),
    ("difficulty", "some_difficulty", "Quelques difficultés", "Some difficulty"),
    ("difficulty", "a_lot_of_difficulty", "Beaucoup de difficultés", "A lot of difficulty"),
    ("difficulty", "cannot_do_at_all", "Ne peut pas du tout", "Cannot do at all"),
    ("pregnancy", "no", "Non", "No"),
    ("pregnancy", "pregnant", "Enceinte", "Pregnant"),
    ("pregnancy", "lactating", "Allaitante", "Lactating"),
    ("id_document", "national_id", "Carte d'identité (NINA)", "National identity card (NINA)"),
    ("id_document", "birth_certificate", "Acte de naissance", "Birth certificate"),
    ("id_document", "passport", "Passeport", "Passport"),
    ("id_document", "consular_card", "Carte consulaire", "Consular card"),
    ("id_document", "voter_card", "Carte d'électeur", "Voter card"),
    ("id_document", "other", "Autre", "Other"),
]


def write_form(pcodes_csv: Path, destination: Path = SHIPPED) -> Path:
    """Build the XLSForm, with admin 1 and 2 choices read from the HDX P-code list ``pcodes_csv``."""
    workbook = openpyxl.Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(SURVEY_HEADERS)
    for question in SURVEY:
        survey.append(list(question))
    choices = workbook.create_sheet("choices")
    choices.append(CHOICE_HEADERS)
    for choice in CHOICES:
        choices.append([*choice, ""])
    with pcodes_csv.open(encoding="utf-8") as handle:
        for area in csv.DictReader(handle):
            level = area["Admin Level"]
            if level in {"1", "2"}:
                parent = area["Parent P-Code"] if level == "2" else ""
                choices.append([f"admin{level}", area["P-Code"], area["Name"], area["Name"], parent])
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append(["Enregistrement des ménages", "abri_household_registration", "2024060101", "Français (fr)"])
    workbook.save(destination)
    return destination
