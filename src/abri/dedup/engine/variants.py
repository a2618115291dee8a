"""Known spellings of Sahelian names and the particles that are not part of a name.

Each group lists one canonical spelling first, then the spellings registration clerks and
partner lists write for the same name (French, English and Arabic transcriptions, Bambara,
Songhai, Fulfulde and Tamasheq forms). Spellings are lower case ASCII, as `normalise`
leaves them (accents removed, Maïga → maiga). A compound name is listed joined
(Abdoul Karim → abdoulkarim) because `normalise` joins the parts before looking it up.

The table is data, not code: add a group when a partner list shows a new spelling.
"""

from __future__ import annotations

# Words that link a person to a parent or a lineage (Tamasheq ag "son of", walet "daughter
# of"; Hassaniya ould, mint; Arabic ben, bin, ibn, bint) or an article (el, al, ould). They
# are written, hyphenated, joined or left out from one list to the next, so names are
# compared without them.
PARTICLES: frozenset[str] = frozenset(
    {
        "ag",
        "agg",
        "ak",
        "walet",
        "welet",
        "wallet",
        "oualet",
        "ouelet",
        "oulet",
        "ult",
        "wult",
        "ould",
        "uld",
        "wuld",
        "mint",
        "ment",
        "ben",
        "bin",
        "ibn",
        "bint",
        "bent",
        "el",
        "al",
        "dit",  # "Mamadou dit Bassirou": the alias stays, the word goes
    }
)

# Particles that are sometimes glued to the name that follows (Agmohamed, Ouldahmed).
GLUED_PARTICLES: tuple[str, ...] = ("walet", "ould", "bint", "mint", "ibn", "ben", "ag")

GIVEN_NAME_GROUPS: tuple[tuple[str, ...], ...] = (
    # men
    (
        "mohamed",
        "mohammed",
        "mohamad",
        "mohammad",
        "muhammad",
        "muhamad",
        "muhammed",
        "mouhamed",
        "mouhammed",
        "mouhamad",
        "mahamed",
        "mahamad",
        "mahammed",
        "mohamet",
        "mahamet",
        "mahomet",
        "mahamadou",
        "mahamadu",
        "mouhamadou",
        "mohamadou",
        "mohamedou",
        "mahammadou",
    ),
    ("mamadou", "mamadu", "mammadou", "mamadi", "mamodou"),
    ("amadou", "hamadou", "ahmadou", "amadu", "hamadu", "ahamadou", "amadou"),
    ("ahmed", "ahmad", "ahmet", "hamed", "ahamed", "ahmedou"),
    ("hamadoun", "amadoun", "hamadun", "hamadoum"),
    ("moussa", "mousa", "musa", "mussa", "moussah"),
    ("oumar", "umar", "omar", "oumarou", "omarou", "umaru", "oumarou"),
    ("ibrahim", "ibrahima", "brahim", "brahima", "ibrahime", "ebrahim", "ibrahimou", "ibrahima"),
    (
        "boubacar",
        "aboubacar",
        "boubakar",
        "aboubakar",
        "bubakar",
        "abubakar",
        "boubacary",
        "boubakary",
        "abubakr",
        "aboubakr",
        "aboubakrine",
    ),
    (
        "abdoulaye",
        "abdoulai",
        "abdulai",
        "abdoulay",
        "abdullahi",
        "abdoullahi",
        "abdoulahi",
        "abdallahi",
        "abdallah",
        "abdoullah",
        "abdullah",
    ),
    ("souleymane", "souleimane", "sulaiman", "suleiman", "souleyman", "soulaymane", "soulemane", "suleyman"),
    ("seydou", "seidou", "seydu", "saidou", "sedou", "seidu", "seydo"),
    ("ousmane", "usman", "osmane", "ousman", "ousmana", "othmane", "outhmane", "usmane"),
    ("issa", "isa", "issah"),
    ("aliou", "aliu", "alio", "alyou", "alou"),
    ("ali", "aly", "alli"),
    ("hassane", "hassan", "assane", "hassana", "hasan", "hassan"),
    ("housseini", "housseyni", "husseini", "hussein", "houssein", "hosseini", "housseyne", "houseini"),
    ("alhousseini", "alhousseyni", "alhousseni", "elhousseini", "alhusseini"),
    ("adama", "adamou"),
    ("yacouba", "yakouba", "yaqub", "yacoub", "yakuba", "yakoub", "yaqouba"),
    ("youssouf", "yousouf", "yusuf", "youssef", "yousef", "yousuf", "yussuf", "youssoufa"),
    ("ismael", "ismail", "ismaila", "ismaela", "smaila", "smael"),
    (
        "abdourahamane",
        "abderrahmane",
        "abdourahmane",
        "abdoulrahamane",
        "abdrahamane",
        "abderahmane",
        "abdoulrahman",
        "abdourahman",
        "abdrahmane",
    ),
    ("abdoulkarim", "abdoulkarime", "abdoulkarimou"),
    ("abdoulkader", "abdoulkadri", "abdoulkadre", "abdoulkadir", "abdoulkadiri"),
    ("abdoul", "abdul", "abdel", "abdal", "abdoulou"),
    ("sidi", "sidy", "sidiy"),
    ("elhadj", "elhadji", "alhadji", "alhadj", "elhaj", "hadji", "hadj", "elhadje", "alhaji"),
    ("cheick", "cheikh", "cheik", "chek", "sheikh", "shaikh", "cheich"),
    ("lassana", "lassina", "lassine", "lasana", "lansana"),
    ("bakary", "bakari", "backary", "bakaye"),
    ("sekou", "seku", "sekhou", "sekkou"),
    ("idrissa", "drissa", "idriss", "driss", "idrissou", "drisa"),
    ("siaka", "siacka", "syaka"),
    ("bourama", "bourema", "bouraima"),
    ("salif", "salifou", "salifu"),
    ("mahamane", "mahaman", "mohamane", "mahamana", "mahamman"),
    ("attaher", "ataher", "attahir", "ettaher", "attaheer"),
    ("intalla", "intallah", "entalla"),
    ("almahdi", "elmehdi", "almahadi", "elmahdi", "mahdi", "almehdi"),
    ("aboubacrine", "aboubakrin", "abubacrine"),
    ("hamidou", "amidou", "hamidu", "hamido"),
    ("boureima", "boureyma", "bouraima", "boureema"),
    ("soumaila", "sumaila", "soumeila"),
    ("younoussa", "younousa", "yunusa", "younouss", "younous", "yunus"),
    ("allassane", "alassane", "alhassane", "alasane", "allasane"),
    ("mamoudou", "mahmoud", "mahmoudou", "mamoud", "mahamoudou"),
    # women
    (
        "fatoumata",
        "fatimata",
        "fatoumatou",
        "fatimatou",
        "fadimata",
        "fadimatou",
        "fatouma",
        "fatima",
        "fatma",
    ),
    ("aminata", "aminatou", "aminetou", "amina", "aminta"),
    ("mariam", "mariama", "mariame", "maryam", "mariyam", "meriem", "mariem", "maryama"),
    ("aissata", "aissatou", "aisata", "aissetou", "aichatou"),
    ("aicha", "aisha", "aichata", "aycha", "aisha"),
    (
        "kadidia",
        "kadidiatou",
        "kadiatou",
        "khadija",
        "kadija",
        "khadidja",
        "kadidja",
        "khadidiatou",
        "kadiata",
    ),
    ("hawa", "awa", "haoua", "aoua", "hawaou"),
    ("oumou", "ummu", "oumoul", "oummou"),
    ("assetou", "asseto", "assetu", "assitou"),
    ("djeneba", "dieneba", "jeneba", "djenebou"),
    ("zeinabou", "zeinab", "zenabou", "zainab", "seynabou", "zeynab", "zeinaba", "zeynabou"),
    ("ramata", "ramatou", "ramatoulaye"),
    ("salimata", "salimatou", "salamata"),
    ("safiatou", "safiata", "safia", "safiyatou"),
    ("rokia", "rokiatou", "rokiya", "roukiatou", "roukia", "rouqaya", "rokiyatou", "rakiatou"),
    ("bintou", "binta", "bintu"),
    ("coumba", "koumba", "kumba"),
    ("maimouna", "maymouna", "maimounatou", "maimuna", "maimounata"),
    ("adiaratou", "adiara", "adjaratou", "hadiaratou"),
    ("haoussa", "haousa", "hawsa"),
    ("tahita", "tahitta"),
)

FAMILY_NAME_GROUPS: tuple[tuple[str, ...], ...] = (
    ("traore", "traoure", "trahore", "tarawele", "tarawere", "traorre"),
    ("coulibaly", "coulibali", "koulibaly", "kulibali", "kouloubali", "koulibali", "coulibaley"),
    ("diarra", "jarra", "diara", "djarra"),
    ("keita", "keyta", "keitta"),
    ("kone", "konne", "konee"),
    ("maiga", "mayga", "maigha", "mahiga", "maigua"),
    ("toure", "ture", "tourey", "toureh"),
    ("cisse", "sisse", "cise", "sise", "cissey"),
    ("diallo", "dialo", "jallow", "djallo", "diallou", "jallo"),
    ("sangare", "sangarre", "sangari"),
    ("sidibe", "sidibeh", "sidibey"),
    ("dembele", "dembelle"),
    ("doumbia", "dumbia", "doumbiya", "doumbouya"),
    ("konate", "konatey"),
    ("camara", "kamara"),
    ("sylla", "silla", "cylla", "sila"),
    ("dicko", "diko", "dikko", "dico"),
    ("bah", "ba"),
    ("barry", "bari", "bary"),
    ("tamboura", "tambura"),
    ("guindo", "gindo"),
    ("haidara", "aidara", "haydara"),
    ("diakite", "jakite", "diakhite"),
    ("kante", "kanteh"),
    ("sissoko", "cissoko", "sisoko"),
    ("tounkara", "tunkara"),
    ("bagayoko", "bagayogo"),
    ("kouyate", "kuyate", "kouyatte"),
    ("soumare", "sumare", "soumarre"),
    ("yattara", "yatara"),
    ("samake", "samakeh"),
    ("dao", "daou"),
    ("tall", "tal"),
    ("sow", "sowe"),
)


def _variant_map(groups: tuple[tuple[str, ...], ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for group in groups:
        canonical = group[0]
        for spelling in group:
            mapping.setdefault(spelling, canonical)
    return mapping


# One table for given and family names: Sahelian lists swap them too often to keep two.
VARIANTS: dict[str, str] = {**_variant_map(FAMILY_NAME_GROUPS), **_variant_map(GIVEN_NAME_GROUPS)}

# Names long enough to recognise behind a glued particle (ag + mohamed).
KNOWN_NAMES: frozenset[str] = frozenset(name for name in VARIANTS if len(name) >= 3)
