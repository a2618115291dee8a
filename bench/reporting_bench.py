"""The operation dashboard and the 5W export on a synthetic operation: prints the render time of the
dashboard page and the time of the year's 5W export (CSV and XLSX), as the information management
officer sees them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abri_reporting_bench \
        .venv/bin/python bench/reporting_bench.py --households 20000 --distributions 20

Goals (issue 16): with 1,000,000 individuals and 200,000 households on PostgreSQL, the dashboard
renders in under 300 ms and the 5W export of a year in under 5 s on 2 cores. The default size
(20,000 households, about 100,000 individuals, all of them reached) loads in a few minutes on a
shared machine; the work of both grows with the households reached (one aggregate query per
distribution over its members), so the figures scale about linearly.

The database is emptied here: synthetic households only, the public test key.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
import uuid

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

from abri.access.models import Membership, Organisation, Role
from abri.assistance.models import Distribution, DistributionStatus, Entitlement, Handover, Programme
from abri.geo.models import AdminArea
from abri.registry.models import Household, Individual
from abri.stock.models import Kit, KitVersion, Warehouse
from abri.synth.output import population_save
from abri.synth.people import SynthSpec, synth_population

CERCLES = ("ML1001", "ML1002", "ML1003", "ML1004")


def prepare(households: int, distributions: int) -> User:
    """An emptied database with ``households`` synthetic households in Ménaka's cercles, every one of them
    handed a kit at one of ``distributions`` distributions in 2022; returns the IM officer."""
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("load-pcodes", verbosity=0)
    iom = Organisation.objects.create(acronym="IOM", name="International Organization for Migration", kind="un_agency")
    programme = Programme.objects.create(code="BENCH-NFI", name="Bench NFI", organisation=iom)
    officer = User.objects.create_user(username="im.bench", password=uuid.uuid4().hex)
    Membership.objects.create(
        user=officer, organisation=iom, role=Role.INFORMATION_MANAGEMENT_OFFICER, all_areas=True, all_programmes=True
    )
    areas = [area for area in CERCLES if AdminArea.objects.filter(pk=area).exists()]
    started = time.perf_counter()
    population = synth_population(SynthSpec(households=households, seed=16, areas=tuple(areas), mean_size=5.0))
    population_save(actor=None, organisation=iom, population=population)
    print(
        f"loaded {Household.objects.count():,} households, {Individual.objects.count():,} individuals "
        f"in {time.perf_counter() - started:.0f} s"
    )
    kit = Kit.objects.create(code="NFI", name_fr="Kit ANA", name_en="NFI kit")
    version = KitVersion.objects.create(kit=kit, number=1)
    store = Warehouse.objects.create(code="MNK-01", name="Magasin", organisation=iom, admin_area_id=areas[0])
    ids_by_area: dict[str, list[int]] = {}
    for household_id, area in Household.objects.values_list("pk", "admin_area_id"):
        ids_by_area.setdefault(area, []).append(household_id)
    per_area = max(distributions // len(ids_by_area), 1)
    moment = datetime.datetime(2022, 6, 1, 10, tzinfo=datetime.UTC)
    with transaction.atomic():
        number = 0
        for area, ids in sorted(ids_by_area.items()):
            size = -(-len(ids) // per_area)
            for start in range(0, len(ids), size):
                day = datetime.date(2022, 1 + number % 12, 3)
                distribution = Distribution.objects.create(
                    code=f"BENCH-{number:03d}",
                    name=f"Bench {number}",
                    programme=programme,
                    organisation=iom,
                    admin_area_id=area,
                    starts_on=day,
                    ends_on=day + datetime.timedelta(days=3),
                    kit_version=version,
                    warehouse=store,
                    status=DistributionStatus.CLOSED,
                )
                entitlements = Entitlement.objects.bulk_create(
                    Entitlement(distribution=distribution, household_id=household_id, token=f"B{number:03d}{index:06d}")
                    for index, household_id in enumerate(ids[start : start + size])
                )
                Handover.objects.bulk_create(
                    Handover(
                        entitlement=entitlement,
                        distribution=distribution,
                        handed_over_at=moment,
                        day=day,
                        receiver="head",
                    )
                    for entitlement in entitlements
                )
                number += 1
    print(f"{number} distributions, {Handover.objects.count():,} handovers")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return officer


def timed(client: Client, address: str, runs: int) -> tuple[list[float], int]:
    times = []
    size = 0
    for _run in range(runs):
        started = time.perf_counter()
        response = client.get(address)
        content = response.content
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            sys.exit(f"{address} answered {response.status_code}")
        size = len(content)
    return times, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--distributions", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    officer = prepare(arguments.households, arguments.distributions)
    client = Client()
    client.force_login(officer)
    client.get("/reporting/dashboard/")  # warm the templates and the catalogs
    year = "start=2022-01-01&end=2022-12-31"
    print(f"database: {connection.vendor}")
    for label, address, runs in (
        ("dashboard", f"/reporting/dashboard/?{year}", arguments.runs),
        ("5W export CSV (a year)", f"/reporting/5w.csv?{year}", arguments.runs),
        ("5W export XLSX (a year)", f"/reporting/5w.xlsx?{year}", arguments.runs),
    ):
        times, size = timed(client, address, runs)
        print(
            f"{label:26} median {statistics.median(times) * 1000:8.0f} ms  "
            f"max {max(times) * 1000:8.0f} ms  ({size:,} bytes, {runs} runs)"
        )


if __name__ == "__main__":
    main()
