"""Synthetic Sahelian registration lists with known duplicates, to test and measure the engine.

`population` draws displaced households (names by community, with their frequencies;
Tamasheq and Hassaniya patronymics; household phones; NINA numbers for some adults;
P-codes). `reregister` then makes some households register again elsewhere the way it
happens: another commune, another partner with its own way of writing dates, sex and phones,
members added or missing, and each member's details written again with transcription
variants, typos, swapped names, approximate ages and changed phones. Every record keeps
``person_id`` (the truth) so precision and recall can be counted.

The spellings below are this generator's own: they overlap with the engine's variant
table (they are the same real names) but are not read from it, and most variation comes
from orthographic rules and typos rather than from listed variants.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

# Names by community: (family names, men's names, women's names), most frequent first.
_BAMANAN = (
    (
        "Traoré Coulibaly Diarra Keïta Koné Sangaré Konaté Doumbia Dembélé Camara Samaké Diakité Kanté "
        "Fofana Bagayoko Sissoko Tounkara Kouyaté Soumaré Doumbia Togola Mariko Berthé Sanogo Ballo Touré"
    ),
    (
        "Mamadou Moussa Seydou Adama Bakary Souleymane Drissa Lassana Siaka Modibo Bourama Tiémoko Sékou "
        "Yacouba Mamoutou Zoumana Issa Abdoulaye Karim Madou Salif Dramane Nouhoum Fousseyni Sidiki Bréhima"
    ),
    (
        "Fatoumata Aminata Mariam Kadiatou Awa Oumou Djénéba Assétou Salimata Ramata Bintou Rokia Fanta "
        "Kadidia Hawa Safiatou Nana Korotoumou Sitan Tenin Maimouna Aissata Coumba Sira Massitan Mah"
    ),
)
_SONGHAI = (
    "Maïga Touré Cissé Haïdara Dicko Yattara Tandina Sidibé Traoré Koïta Alpha Baby Dioura Konta Maïga",
    (
        "Mahamadou Hamadoun Boubacar Oumar Abdoulaye Alassane Mahamane Ibrahim Moussa Hassane Soumaïla Amadou "
        "Boureima Ousmane Seydou Younoussa Alhousseini Almahadi Hamidou Issa Ali Garba Attahirou Sidi"
    ),
    (
        "Fatoumata Aïssata Mariama Kadidia Safiatou Haoua Zeinabou Aminata Ramatou Adiaratou Hadizatou "
        "Salamatou Fadimata Oumou Habibatou Rakiatou Mariam Aïcha Tahirou Nana Kadi Bibata"
    ),
)
_PEUL = (
    "Diallo Bah Barry Sidibé Sangaré Cissé Dicko Sow Tall Bocoum Cissé Diakité Boly Ba Kane Ly",
    (
        "Amadou Boubacar Hamadoun Oumar Mamadou Ibrahima Abdoulaye Ousmane Hassane Aliou Sambo Yéro Hama "
        "Souleymane Moussa Bouba Demba Samba Hamidou Sékou Allaye Belco Hamma Idrissa"
    ),
    (
        "Fatoumata Aïssata Kadiatou Mariam Oumou Djénéba Hawa Aminata Koumba Dado Penda Kadidia Salimata "
        "Hadja Assanatou Bintou Mariama Néné Diahara Aïssa Ramata Fanta"
    ),
)
_DOGON = (
    "Guindo Dolo Kassogué Togo Ongoïba Poudiougo Saye Tembely Guirou Karambé Yalcouyé Dara Djimdé",
    (
        "Amadou Ousmane Yacouba Adama Moussa Hamadoun Issa Seydou Boureima Abdoulaye Mamadou Ambagana "
        "Pierre Joseph Oumar Ali Sana Gouro"
    ),
    "Yagouèrè Aminata Mariam Fatoumata Kadidia Aïssata Awa Yakorè Yaganè Assan Oumou Kadia Yamoussa",
)
_TUAREG_MEN = (
    "Mohamed Ahmed Attaher Alhousseini Intalla Aboubacrine Mossa Alghabass Elmehdi Ibrahim Assaleh "
    "Ghissa Hamma Bilal Almoustapha Ahmadou Mahmoud Elhadj Sidi Alwali Inamoud Akly Acherif Abdoulahi "
    "Youssouf Zeidane Ilyas Ousmane"
)
_TUAREG_WOMEN = (
    "Fadimata Mariama Lalla Tahita Aïchatou Zeinabou Fatimata Takia Raichatou Aminatou Khadija Tina "
    "Tafa Hadiza Mama Tatou Fati Aminata Tatta"
)
_ARAB_MEN = "Mohamed Sidi Ahmed Mahmoud Baba Cheikh Moulaye Brahim Abdallah Mohamedou Oumar Ali Elmoctar"
_ARAB_WOMEN = "Fatimetou Mariem Aïcha Khadijetou Zeinabou Lalla Mama Oumoulkhairy Salka Toutou Hawa"

# Communities of displaced households in the centre and north, with their shares.
_COMMUNITIES = (("bamanan", 0.28), ("songhai", 0.22), ("peul", 0.2), ("tuareg", 0.14), ("dogon", 0.11), ("arab", 0.05))

# Spellings a second clerk may write for the same name (this generator's own list).
_VARIANT_GROUPS = (
    ("Mohamed", "Mouhamed", "Mohammed", "Mahamadou", "Mohamadou", "Muhammad"),
    ("Mahamadou", "Mohamed", "Mahamadu", "Mahammadou"),
    ("Mamadou", "Mamadu", "Mammadou"),
    ("Amadou", "Ahmadou", "Hamadou"),
    ("Boubacar", "Aboubacar", "Boubakar", "Aboubakar"),
    ("Abdoulaye", "Abdoulai", "Abdallah", "Abdoulahi"),
    ("Souleymane", "Souleimane", "Suleiman"),
    ("Ousmane", "Osmane", "Usman"),
    ("Ibrahim", "Ibrahima", "Brahima", "Brahim"),
    ("Oumar", "Omar", "Oumarou"),
    ("Fatoumata", "Fatimata", "Fatoumatou", "Fadimata"),
    ("Aminata", "Aminatou", "Amina"),
    ("Mariam", "Mariama", "Maryam"),
    ("Aïssata", "Aissatou", "Aïchata"),
    ("Kadidia", "Kadidiatou", "Khadija", "Kadiatou"),
    ("Hawa", "Awa", "Haoua"),
    ("Zeinabou", "Zeinab", "Seynabou"),
    ("Maïga", "Mayga", "Maiga"),
    ("Traoré", "Traore", "Tarawele"),
    ("Coulibaly", "Koulibaly", "Kulibali"),
    ("Touré", "Toure", "Ture"),
    ("Cissé", "Sissé", "Cisse"),
    ("Diallo", "Dialo", "Djallo"),
    ("Haïdara", "Aidara", "Haydara"),
    ("Dicko", "Diko", "Dikko"),
    ("Alhousseini", "Alhousseyni", "Elhousseini"),
    ("Attaher", "Ataher", "Attahir"),
    ("Intalla", "Intallah"),
    ("Elmehdi", "Almahdi", "El Mehdi"),
    ("Aboubacrine", "Aboubakrine"),
)
_VARIANTS = {name: group for group in _VARIANT_GROUPS for name in group[:1]}

# Orthographic rewrites clerks make without thinking (applied to one occurrence).
_SPELLING_RULES = (
    ("ou", "u"),
    ("é", "e"),
    ("è", "e"),
    ("ï", "i"),
    ("ï", "y"),
    ("y", "i"),
    ("i", "y"),
    ("ss", "s"),
    ("ll", "l"),
    ("l", "ll"),
    ("tt", "t"),
    ("c", "k"),
    ("k", "c"),
    ("dj", "j"),
    ("kh", "k"),
    ("ch", "sh"),
    ("ou", "o"),
    ("a", "ah"),
    ("é", "ée"),
)
_KEYBOARD = "azertyuiopqsdfghjklmwxcvbn"


@dataclass(frozen=True)
class Perturbation:
    """How much a re-registration differs from the first one (probabilities per record)."""

    spelling_variant: float = 0.25
    typo: float = 0.07
    swapped_names: float = 0.05
    dropped_second_given_name: float = 0.05
    particle_form: float = 0.4
    year_only: float = 0.35
    approximate_year: float = 0.3
    missing_birth: float = 0.03
    sex_error: float = 0.005
    changed_phone: float = 0.4
    missing_phone: float = 0.1
    phone_typo: float = 0.03
    missing_id: float = 0.2
    member_missing: float = 0.08
    newborn_added: float = 0.08


def _names(text: str) -> list[str]:
    return text.split()


@lru_cache(maxsize=256)
def _zipf(count: int, exponent: float = 1.0) -> np.ndarray:
    weights = 1.0 / np.arange(1, count + 1) ** exponent
    return weights / weights.sum()


def _pick(rng: np.random.Generator, names: list[str], size: int, exponent: float = 1.0) -> list[str]:
    return list(np.asarray(names, dtype=object)[rng.choice(len(names), size=size, p=_zipf(len(names), exponent))])


def _pcodes(rng: np.random.Generator) -> list[tuple[str, str, str]]:
    """Communes (region, cercle, commune P-codes) of a Mali-shaped hierarchy."""
    communes = []
    for region in range(1, 11):
        for cercle in range(1, int(rng.integers(4, 9)) + 1):
            for commune in range(1, int(rng.integers(4, 12)) + 1):
                code1 = f"ML{region:02d}"
                code2 = f"{code1}{cercle:02d}"
                communes.append((code1, code2, f"{code2}{commune:02d}"))
    return communes


def population(individuals: int, *, seed: int = 7, reference_year: int = 2024) -> pl.DataFrame:
    """Displaced households totalling about ``individuals`` people; one row per person, truth included."""
    rng = np.random.default_rng(seed)
    communes = _pcodes(rng)
    commune_weights = _zipf(len(communes), 0.7)  # displacement concentrates on some communes
    rows: list[dict[str, object]] = []
    household = 0
    people = 0
    while people < individuals:
        household += 1
        community = str(rng.choice([c for c, _ in _COMMUNITIES], p=[w for _, w in _COMMUNITIES]))
        size = int(min(1 + rng.poisson(4.3), 15))
        commune = communes[int(rng.choice(len(communes), p=commune_weights))]
        phone = f"{rng.choice([6, 7, 8, 9])}{rng.integers(0, 10_000_000):07d}" if rng.random() < 0.8 else None
        for member in _household_members(rng, community, size, reference_year):
            people += 1
            member.update(
                person_id=people,
                household_id=f"H{household:07d}",
                location=commune[2],
                phone=(phone if member["relationship"] == "head" or rng.random() < 0.1 else None),
            )
            if member["relationship"] == "spouse" and rng.random() < 0.3:
                member["phone"] = f"{rng.choice([6, 7])}{rng.integers(0, 10_000_000):07d}"
            rows.append(member)
    frame = pl.DataFrame(rows, infer_schema_length=None)
    return frame.with_columns(pl.col("person_id").cast(pl.Int64))


def _community_names(community: str) -> tuple[list[str], list[str], list[str]]:
    if community == "bamanan":
        return tuple(_names(part) for part in _BAMANAN)  # type: ignore[return-value]  # three parts per community, a tuple of unknown length to mypy
    if community == "songhai":
        return tuple(_names(part) for part in _SONGHAI)  # type: ignore[return-value]  # three parts per community, a tuple of unknown length to mypy
    if community == "peul":
        return tuple(_names(part) for part in _PEUL)  # type: ignore[return-value]  # three parts per community, a tuple of unknown length to mypy
    if community == "dogon":
        return tuple(_names(part) for part in _DOGON)  # type: ignore[return-value]  # three parts per community, a tuple of unknown length to mypy
    if community == "tuareg":
        return [], _names(_TUAREG_MEN), _names(_TUAREG_WOMEN)
    return [], _names(_ARAB_MEN), _names(_ARAB_WOMEN)


def _birth(rng: np.random.Generator, age: int, reference_year: int) -> tuple[str, bool]:
    year = reference_year - age
    # Children born recently have a birth certificate; most adults only know the year.
    exact = rng.random() < (0.7 if age < 10 else 0.25)
    if exact:
        return f"{year}-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}", True
    return f"{year}-01-01", False


def _household_members(rng: np.random.Generator, community: str, size: int, year: int) -> list[dict[str, object]]:
    families, men, women = _community_names(community)
    patronymic = community in {"tuareg", "arab"}
    son, daughter = ("Ag", "Walet") if community == "tuareg" else ("Ould", "Mint")
    female_head = rng.random() < 0.22
    head_age = int(rng.integers(22, 75))
    if patronymic:
        head_father = _pick(rng, men, 1)[0]
        head_given = _pick(rng, women if female_head else men, 1, 0.9)[0]
        head_family = f"{daughter if female_head else son} {head_father}"
    else:
        head_given = _pick(rng, women if female_head else men, 1, 0.9)[0]
        head_family = _pick(rng, families, 1, 0.8)[0]
    members: list[dict[str, object]] = []

    def add(given: str, family: str, sex: str, age: int, relationship: str) -> None:
        birth, exact = _birth(rng, max(age, 0), year)
        nina = None
        if age >= 18 and rng.random() < 0.35:
            nina = f"{rng.integers(0, 10**11):011d}{chr(65 + int(rng.integers(0, 26)))}"
        members.append(
            {
                "given_name": given,
                "family_name": family,
                "sex": sex,
                "birth_date": birth,
                "birth_exact": exact,
                "id_number": nina,
                "relationship": relationship,
            }
        )

    add(head_given, head_family, "female" if female_head else "male", head_age, "head")
    remaining = size - 1
    if not female_head and remaining > 0 and rng.random() < 0.85:
        wife_given = _pick(rng, women, 1, 0.9)[0]
        wife_family = f"{daughter} {_pick(rng, men, 1)[0]}" if patronymic else _pick(rng, families, 1, 0.8)[0]
        add(wife_given, wife_family, "female", max(head_age - int(rng.integers(0, 15)), 16), "spouse")
        remaining -= 1
    taken = {head_given}
    for _ in range(remaining):
        female = rng.random() < 0.5
        # Brothers and sisters carry different names (drawn again, a few tries, if taken).
        given = _pick(rng, women if female else men, 1, 0.9)[0]
        for _attempt in range(6):
            if given not in taken:
                break
            given = _pick(rng, women if female else men, 1, 0.9)[0]
        taken.add(given)
        if patronymic:
            family = f"{daughter if female else son} {head_given if not female_head else _pick(rng, men, 1)[0]}"
        else:
            family = head_family
        age = int(rng.integers(0, max(min(head_age - 15, 30), 1)))
        add(given, family, "female" if female else "male", age, "child")
    return members


# -- re-registration ----------------------------------------------------------------------


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    position = rng.randrange(1, len(word))
    kind = rng.random()
    if kind < 0.3:
        return word[:position] + word[position + 1 :]
    if kind < 0.55:
        return word[:position] + rng.choice(_KEYBOARD) + word[position + 1 :]
    if kind < 0.8 and position < len(word) - 1:
        return word[:position] + word[position + 1] + word[position] + word[position + 2 :]
    return word[:position] + word[position] + word[position:]


def _respell(rng: random.Random, name: str) -> str:
    group = _VARIANTS.get(name)
    if group and rng.random() < 0.5:
        return rng.choice(group[1:])
    rules = [rule for rule in _SPELLING_RULES if rule[0] in name.lower()]
    if not rules:
        return name
    old, new = rng.choice(rules)
    lowered = name.lower()
    at = lowered.index(old)
    result = lowered[:at] + new + lowered[at + len(old) :]
    return result[:1].upper() + result[1:]


def _particle_form(rng: random.Random, family: str) -> str:
    parts = family.split(" ", 1)
    if len(parts) != 2 or parts[0] not in {"Ag", "Walet", "Ould", "Mint"}:
        return family
    particle, name = parts
    forms = [
        f"{particle}-{name}",
        f"{particle.upper()} {name}",
        name,
        f"{particle}{name.lower()}",
        f"{particle} {name}",
    ]
    if particle == "Walet":
        forms += [f"Welet {name}", f"Oualet {name}"]
    return rng.choice(forms)


def _perturb_names(rng: random.Random, given: str, family: str, p: Perturbation) -> tuple[str, str]:
    if rng.random() < p.spelling_variant:
        given = " ".join(_respell(rng, word) for word in given.split())
    if rng.random() < p.spelling_variant * 0.8:
        family = " ".join(
            _respell(rng, word) if word not in {"Ag", "Walet", "Ould", "Mint"} else word for word in family.split()
        )
    if rng.random() < p.particle_form:
        family = _particle_form(rng, family)
    if rng.random() < p.typo:
        given = _typo(rng, given)
    if rng.random() < p.typo:
        family = _typo(rng, family)
    if rng.random() < p.dropped_second_given_name and " " in given:
        given = given.split()[0]
    if rng.random() < p.swapped_names:
        given, family = family, given
    return given, family


def _perturb_birth(rng: random.Random, birth: str, exact: bool, p: Perturbation) -> str | None:
    birth_year = int(birth[:4])
    if rng.random() < p.approximate_year or (not exact and rng.random() < p.approximate_year):
        birth_year += rng.choice([-3, -2, -2, -1, -1, -1, 1, 1, 1, 2, 2, 3])
        birth = f"{birth_year}-01-01"
    elif exact and rng.random() < p.year_only:
        birth = f"{birth_year}-01-01"
    return None if rng.random() < p.missing_birth else birth


def _perturb_phone(rng: random.Random, phone: str | None, p: Perturbation) -> str | None:
    if not phone:
        return phone
    draw = rng.random()
    if draw < p.changed_phone:
        return f"{rng.choice('6789')}{rng.randrange(10_000_000):07d}"
    if draw < p.changed_phone + p.missing_phone:
        return None
    if draw < p.changed_phone + p.missing_phone + p.phone_typo:
        return _typo(rng, phone)
    return phone


def _perturb_member(rng: random.Random, member: dict[str, object], p: Perturbation) -> dict[str, object]:
    record = dict(member)
    record["given_name"], record["family_name"] = _perturb_names(
        rng, str(record["given_name"]), str(record["family_name"]), p
    )
    record["birth_date"] = _perturb_birth(rng, str(record["birth_date"]), bool(record["birth_exact"]), p)
    if rng.random() < p.sex_error:
        record["sex"] = "female" if record["sex"] == "male" else "male"
    record["phone"] = _perturb_phone(rng, record.get("phone"), p)  # type: ignore[arg-type]  # a record's phone is a str or None
    if record.get("id_number") and rng.random() < p.missing_id:
        record["id_number"] = None
    return record


def _move(rng: random.Random, location: str, communes: list[str]) -> str:
    draw = rng.random()
    if draw < 0.45:
        choices = [c for c in communes if c[:6] == location[:6] and c != location]
    elif draw < 0.8:
        choices = [c for c in communes if c[:4] == location[:4] and c[:6] != location[:6]]
    else:
        choices = [c for c in communes if c[:4] != location[:4]]
    return rng.choice(choices) if choices else location


def reregister(
    base: pl.DataFrame,
    *,
    share: float = 0.12,
    twice: float = 0.15,
    seed: int = 11,
    reference_year: int = 2024,
    perturbation: Perturbation | None = None,
) -> pl.DataFrame:
    """``base`` plus a second (sometimes third) registration of ``share`` of its households."""
    p = perturbation or Perturbation()
    rng = random.Random(seed)  # noqa: S311 -- synthetic people, not secrets
    communes = sorted(set(base["location"].to_list()))
    households = base.partition_by("household_id", as_dict=False, maintain_order=True)
    chosen = [h for h in households if rng.random() < share]
    next_household = base.select(pl.col("household_id").str.slice(1).cast(pl.Int64).max()).item() or 0
    next_person = base.select(pl.col("person_id").max()).item() or 0
    rows: list[dict[str, object]] = []
    for household in chosen:
        for _ in range(2 if rng.random() < twice else 1):
            next_household += 1
            location = _move(rng, str(household["location"][0]), communes)
            members = household.to_dicts()
            kept = [m for m in members if rng.random() >= p.member_missing] or members[:1]
            if rng.random() < p.newborn_added:
                next_person += 1
                newborn = dict(kept[0])
                newborn.update(
                    given_name=rng.choice(["Aminata", "Moussa", "Fatoumata", "Ibrahim", "Awa", "Oumar"]),
                    birth_date=f"{reference_year}-0{rng.randrange(1, 9)}-1{rng.randrange(0, 9)}",
                    birth_exact=True,
                    id_number=None,
                    phone=None,
                    relationship="child",
                    person_id=next_person,
                )
                kept.append(newborn)
            for member in kept:
                record = _perturb_member(rng, member, p)
                record.update(household_id=f"H{next_household:07d}", location=location)
                rows.append(record)
    duplicates = pl.DataFrame(rows, schema=base.schema) if rows else base.clear()
    return pl.concat([base, duplicates]).with_columns(
        pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(8).alias("record_id")
    )


def partner_format(frame: pl.DataFrame, *, seed: int = 5) -> pl.DataFrame:
    """The list as partners write it: each household in one partner's style of dates, sex, case and phones."""
    rng = np.random.default_rng(seed)
    households = frame["household_id"].unique(maintain_order=True)
    style = pl.DataFrame(
        {"household_id": households, "style": rng.integers(0, 4, size=len(households)).astype(np.int8)}
    )
    year = pl.col("birth_date").str.slice(0, 4)
    month = pl.col("birth_date").str.slice(5, 2)
    day = pl.col("birth_date").str.slice(8, 2)
    year_only = (month == "01") & (day == "01")
    s = pl.col("style")
    return (
        frame.join(style, on="household_id", how="left")
        .with_columns(
            pl.when(s == 0)
            .then(pl.col("birth_date"))
            .when(s == 1)
            .then(pl.format("{}/{}/{}", day, month, year))
            .when(year_only)
            .then(year)
            .otherwise(pl.format("{}/{}/{}", day, month, year))
            .alias("birth_date"),
            pl.when(s == 0)
            .then(pl.col("sex").str.slice(0, 1).str.to_uppercase())
            .when(s == 1)
            .then(pl.col("sex").replace({"male": "Homme", "female": "Femme"}))
            .when(s == 2)
            .then(pl.col("sex").replace({"male": "H", "female": "F"}))
            .otherwise(pl.col("sex").replace({"male": "M", "female": "F"}))
            .alias("sex"),
            pl.when(s == 1).then(pl.col("family_name").str.to_uppercase()).otherwise(pl.col("family_name")),
            pl.when(s == 2)
            .then(pl.format("+223 {}", pl.col("phone")))
            .when(s == 3)
            .then(pl.col("phone").str.replace_all(r"(\d\d)", "$1 ").str.strip_chars())
            .otherwise(pl.col("phone"))
            .alias("phone"),
        )
        .drop("style")
    )


def registry(individuals: int, *, seed: int = 7, share: float = 0.12) -> pl.DataFrame:
    """A registration list of about ``individuals`` records with known duplicates, as partners write it."""
    base_size = int(individuals / (1 + share * 1.1))
    base = population(base_size, seed=seed)
    return partner_format(reregister(base, share=share, seed=seed + 1), seed=seed + 2)


def true_pairs(frame: pl.DataFrame, *, id_column: str = "record_id", person_column: str = "person_id") -> pl.DataFrame:
    """Every pair (id_a < id_b) of records of the same person."""
    left = frame.select(pl.col(id_column).alias("id_a"), pl.col(person_column))
    right = frame.select(pl.col(id_column).alias("id_b"), pl.col(person_column))
    return left.join(right, on=person_column).filter(pl.col("id_a") < pl.col("id_b")).select("id_a", "id_b")
