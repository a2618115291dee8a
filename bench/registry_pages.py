"""How fast the household pages answer on a large registry: prints the median time of each page.

Fills a database with synthetic households (about 4 members each) straight through bulk inserts,
once, then drives the real views through Django's test client as two users: an administrator
who sees every area and a registration officer scoped to one region.

    ABRI_DATA_DIR=/tmp/abri-bench .venv/bin/python bench/registry_pages.py --individuals 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abri_bench .venv/bin/python bench/registry_pages.py

Synthetic people only: the field key below is the public test key.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import date, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abri.config.settings")
os.environ.setdefault("ABRI_FIELD_KEY", "dGVzdC1rZXktZm9yLWFicmktdGVzdHMtb25seS0zMmI=")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

# Models import only once Django is set up.
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from abri.access.models import Membership, Organisation, Role
from abri.core import crypto
from abri.geo.models import AdminArea, Site
from abri.registry.flags import FLAG_FIELDS
from abri.registry.models import Household, Individual
from abri.registry.normalise import search_name

# Names: a few very common family names (as in the Sahel) and many rarer ones, so a search for
# one person is as selective as in a real registry and a search for "Maïga" is not.
GIVEN = [
    head + tail
    for head in ("Fa", "Ai", "Ma", "Ha", "A", "Ka", "Ou", "Bi", "Mo", "I", "Al", "Bou", "Sou", "Za", "Ra", "Ta")
    for tail in ("toumata", "ssata", "riam", "diza", "minata", "didia", "mou", "ntou", "ussa", "brahim", "lima")
]
FAMILY_COMMON = ["Maïga", "Touré", "Cissé", "Traoré", "Diallo", "Coulibaly", "Dicko", "Ag Mohamed", "Walet Ahmed"]
FAMILY_RARE = [
    f"{particle}{head}{tail}"
    for particle in ("Ag ", "Walet ", "")
    for head in ("Ass", "Inta", "Kei", "Ba", "Sa", "Ko", "Dem", "Tan", "Yat", "Gou", "Sid", "Ham")
    for tail in ("aleh", "lla", "ta", "bo", "ngo", "mbélé", "ra", "kane", "dara", "wel", "ssou", "mane")
]
REGIONS = {"ML10": "Ménaka", "ML05": "Mopti", "ML06": "Tombouctou", "ML07": "Gao"}
BATCH = 5000


def areas_and_sites() -> tuple[list[str], list[int]]:
    for pcode, name in REGIONS.items():
        AdminArea.objects.get_or_create(pcode=pcode, defaults={"level": 1, "name": name})
    cercles = []
    for region in REGIONS:
        for number in range(1, 6):
            pcode = f"{region}{number:02d}"
            AdminArea.objects.get_or_create(
                pcode=pcode, defaults={"level": 2, "name": f"Cercle {pcode}", "parent_id": region}
            )
            cercles.append(pcode)
    sites = [
        Site.objects.get_or_create(name=f"Site {pcode}", admin_area_id=pcode, defaults={"kind": "planned_site"})[0].pk
        for pcode in cercles[::2]
    ]
    return cercles, sites


def fill(individuals: int) -> None:
    """Insert households until the registry holds about ``individuals`` people."""
    cercles, sites = areas_and_sites()
    iom, _ = Organisation.objects.get_or_create(acronym="IOM", defaults={"name": "IOM", "kind": "un_agency"})
    nrc, _ = Organisation.objects.get_or_create(acronym="NRC", defaults={"name": "NRC", "kind": "international_ngo"})
    have = Individual.objects.count()
    if have >= individuals * 0.95:
        print(f"registry already holds {have:,} individuals")
        if Household.objects.filter(head__isnull=True).exists():
            link_heads()
        return
    rng = random.Random(20221202)
    started = time.perf_counter()
    number = Household.objects.count()
    made = have
    while made < individuals:
        with transaction.atomic():
            households = []
            sizes = []
            for _ in range(BATCH):
                number += 1
                size = min(1 + int(rng.expovariate(1 / 3)), 25)
                sizes.append(size)
                cercle = rng.choice(cercles)
                flags = {flag: rng.random() < 0.15 for flag in FLAG_FIELDS}
                phone = f"7{rng.randrange(10**7):07d}" if rng.random() < 0.7 else ""
                households.append(
                    Household(
                        registration_number=f"BEN-22-{number:07d}",
                        organisation=iom if rng.random() < 0.8 else nrc,
                        admin_area_id=cercle,
                        site_id=rng.choice(sites) if rng.random() < 0.3 else None,
                        consent="given",
                        consent_date=date(2022, 11, 20),
                        registered_on=date(2022, 11, 20),
                        phone_hash=crypto.blind_index(phone, purpose="phone"),
                        size=size,
                        **flags,
                    )
                )
            Household.objects.bulk_create(households)
            members = []
            for household, size in zip(households, sizes, strict=True):
                family = rng.choice(FAMILY_COMMON if rng.random() < 0.5 else FAMILY_RARE)
                for position in range(size):
                    sex = rng.choice(["female", "male"])
                    given = rng.choice(GIVEN)
                    members.append(
                        Individual(
                            household=household,
                            given_names=given,
                            family_name=family,
                            search_name=search_name(given, family),
                            sex=sex,
                            birth_date=date(1950, 1, 1) + timedelta(days=rng.randrange(26000)),
                            relationship="head" if position == 0 else "child",
                        )
                    )
            Individual.objects.bulk_create(members, batch_size=BATCH)
            made += len(members)
        print(f"  {made:,} individuals, {number:,} households ({time.perf_counter() - started:.0f} s)", flush=True)
    link_heads()


def link_heads() -> None:
    """Point every household at its head and refresh the planner's statistics."""
    table, members_table = Household._meta.db_table, Individual._meta.db_table
    with connection.cursor() as cursor:
        # The steady state autovacuum reaches: statistics and visibility map (index-only scans).
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute(f"VACUUM ANALYZE {members_table}")
        else:
            cursor.execute("ANALYZE")
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {members_table}")
        # The first member inserted is the head; one set-based UPDATE links them all.
        cursor.execute(
            f"UPDATE {table} SET head_id = heads.first FROM ("  # noqa: S608 -- model table names
            f"SELECT household_id, MIN(id) AS first FROM {members_table} GROUP BY household_id) AS heads "
            f"WHERE heads.household_id = {table}.id AND {table}.head_id IS NULL"
        )
        # The steady state autovacuum reaches: statistics and visibility map (index-only scans).
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute(f"VACUUM ANALYZE {members_table}")
        else:
            cursor.execute("ANALYZE")


def user(username: str, *, areas: list[str] | None) -> Client:
    account, _ = User.objects.get_or_create(username=username)
    iom = Organisation.objects.get(acronym="IOM")
    membership, _ = Membership.objects.get_or_create(
        user=account, organisation=iom, role=Role.ADMINISTRATOR, defaults={"all_areas": areas is None}
    )
    if areas:
        membership.admin_areas.set(areas)
    client = Client()
    client.force_login(account)
    return client


def timed(client: Client, method: str, path: str, data: dict | None = None, runs: int = 5) -> tuple[float, int, int]:
    """Median milliseconds over ``runs``, the number of queries, and the response size in bytes."""
    durations = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = getattr(client, method)(path, data or {})
            durations.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(durations), len(queries), len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--individuals", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    fill(options.individuals)
    total_households, total_individuals = Household.objects.count(), Individual.objects.count()
    sample = (
        Household.objects.filter(organisation__acronym="IOM", head__family_name__in=FAMILY_RARE)
        .select_related("head")
        .order_by("pk")[1234]
    )
    assert sample.head is not None
    person = f"{sample.head.family_name} {sample.head.given_names}"  # surname first, as often said
    phone = "76123456"
    Household.objects.filter(pk=sample.pk).update(phone_hash=crypto.blind_index(phone, purpose="phone"))
    admin = user("bench-admin", areas=None)
    officer = user("bench-officer", areas=["ML10"])
    pages = [
        ("dashboard", admin, "get", "/", None),
        ("list, page 1", admin, "get", "/households/", None),
        ("list, page 2000", admin, "get", "/households/?page=2000", None),
        ("list, one cercle", admin, "get", "/households/?area=ML1003", None),
        ("list, flag widow-headed", admin, "get", "/households/?flag=widow_headed", None),
        ("list, officer of one region", officer, "get", "/households/", None),
        ("search a common surname 'maiga'", admin, "post", "/households/", {"q": "maiga"}),
        ("search one person's full name", admin, "post", "/households/", {"q": person}),
        ("search one person, officer of a region", officer, "post", "/households/", {"q": person}),
        ("search a rare surname in a cercle", admin, "post", "/households/", {"q": "kokane", "area": "ML0503"}),
        ("search no match 'zeinabou'", admin, "post", "/households/", {"q": "zeinabou"}),
        ("search registration number", admin, "post", "/households/", {"q": sample.registration_number}),
        ("search phone", admin, "post", "/households/", {"q": f"+223 {phone}"}),
        ("detail", admin, "get", f"/households/{sample.registration_number}/", None),
    ]
    print(
        f"\n{connection.vendor}: {total_households:,} households, {total_individuals:,} individuals; "
        f"median of {options.runs} runs"
    )
    print(f"{'page':40} {'ms':>8} {'queries':>8} {'KB':>6}")
    for label, client, method, path, data in pages:
        milliseconds, queries, size = timed(client, method, path, data, runs=options.runs)
        print(f"{label:40} {milliseconds:8.1f} {queries:8d} {size / 1024:6.1f}")


if __name__ == "__main__":
    main()
