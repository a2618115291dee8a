"""Times the household list endpoint of the API over a large registry, within a scope.

    .venv/bin/python bench/api/households_list.py [--households 20000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abri_bench_api .venv/bin/python bench/api/households_list.py

Loads synthetic households (half IOM in Ménaka, a quarter IOM in Mopti, a quarter UNHCR in
Ménaka) into a fresh database, then asks for pages as an IOM registration officer in ML10
and prints, per request: the median time of 5 calls, the number of SQL queries, the count.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
os.environ.setdefault("ABRI_DATA_DIR", tempfile.mkdtemp(prefix="abri-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "abri.config.settings_test"

import django

django.setup()

from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment

from abri.access.models import Membership, Organisation, Role
from abri.access.services import token_create
from abri.geo.models import AdminArea
from abri.registry.bulk import households_bulk_create
from abri.registry.inputs import HouseholdInput, IndividualInput

AREAS = {"ML10": ["ML1001", "ML1002", "ML1003", "ML1004"], "ML05": ["ML0501", "ML0502"]}


def household(number: int, area: str) -> HouseholdInput:
    widowed = number % 5 == 0
    return HouseholdInput(
        admin_area=area,
        consent="given",
        consent_date=date(2022, 11, 20),
        registered_on=date(2022, 11, 20),
        phone=f"76{number % 1_000_000:06d}",
        members=[
            IndividualInput(
                given_names="Fatoumata",
                family_name="Maïga",
                sex="female",
                relationship="head",
                birth_date=date(1960 + number % 40, 1 + number % 12, 1 + number % 28),
                marital_status="widowed" if widowed else "married",
                id_document_type="national_id",
                id_number=f"{number:010d}",
            ),
            IndividualInput(given_names="Moussa", sex="male", relationship="child", age_years=number % 17),
            IndividualInput(given_names="Aïssata", sex="female", relationship="child", age_years=number % 11),
        ],
    )


def load(total: int) -> dict[str, str]:
    call_command("migrate", verbosity=0)
    for region, cercles in AREAS.items():
        AdminArea.objects.get_or_create(pcode=region, defaults={"level": 1, "name": region})
        for cercle in cercles:
            AdminArea.objects.get_or_create(pcode=cercle, defaults={"level": 2, "name": cercle, "parent_id": region})
    iom = Organisation.objects.create(name="IOM", acronym="IOM", kind="un_agency")
    unhcr = Organisation.objects.create(name="UNHCR", acronym="UNHCR", kind="un_agency")
    started = time.perf_counter()
    batches = {
        iom: [household(n, AREAS["ML10"][n % 4]) for n in range(total // 2)]
        + [household(n, AREAS["ML05"][n % 2]) for n in range(total // 4)],
        unhcr: [household(n, AREAS["ML10"][n % 4]) for n in range(total - total // 2 - total // 4)],
    }
    for organisation, inputs in batches.items():
        households_bulk_create(actor=None, organisation=organisation, households=inputs)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would gather after a big import
    print(f"loaded {total} households in {time.perf_counter() - started:.1f} s ({connection.vendor})")
    officer = User.objects.create_user("officer")
    membership = Membership.objects.create(user=officer, organisation=iom, role=Role.REGISTRATION_OFFICER)
    membership.admin_areas.set(["ML10"])
    _, plain = token_create(actor=None, user=officer, name="bench")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def measure(client: Client, auth: dict[str, str], path: str) -> None:
    timings = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path, **auth)
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content
    count = response.json()["count"]
    print(f"{path:58} {statistics.median(timings) * 1000:7.1f} ms  {len(queries):2d} queries  count={count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    arguments = parser.parse_args()
    setup_test_environment()
    auth = load(arguments.households)
    client = Client()
    last_page = arguments.households // 2 // 50
    for path in (
        "/api/v1/households",
        "/api/v1/households?page_size=200",
        f"/api/v1/households?page={last_page}",
        "/api/v1/households?admin_area=ML1003",
        "/api/v1/households?flag=widow_headed&flag=single_parent",
        "/api/v1/individuals?admin_area=ML1002",
    ):
        measure(client, auth, path)


if __name__ == "__main__":
    main()
