"""Handovers over the API under load, against PostgreSQL and `abri serve` (gunicorn): prints the
handovers per second and the latency percentiles of 50 concurrent clients, then a race of all
the clients on one entitlement, then checks the database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abri_bench_handover \
        .venv/bin/python bench/assistance/handover_bench.py --handovers 10000 --clients 50

Goals (issue 13): at least 500 handovers per second on 2 cores, p99 under 100 ms, exactly one
success when every client races on the same entitlement. Afterwards: handovers recorded =
successes answered, kits taken from the distribution = handovers (and the stock ledger's
dispatches = kits dispatched), no negative balance anywhere.

The database is created (or emptied) here: synthetic households only, the public test key.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abri.config.settings")
os.environ.setdefault("ABRI_FIELD_KEY", "dGVzdC1rZXktZm9yLWFicmktdGVzdHMtb25seS0zMmI=")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("ABRI_DATA_DIR", tempfile.mkdtemp(prefix="abri-handover-bench-"))

import django

django.setup()

import httpx
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from abri.access.models import Membership, Organisation, Role
from abri.access.selectors import scope_for
from abri.access.services import token_create
from abri.assistance.models import Distribution, DistributionKits, Entitlement, Handover, Programme
from abri.assistance.services import (
    distribution_dispatch,
    distribution_households_add,
    distribution_open,
    distribution_plan,
)
from abri.geo.models import AdminArea
from abri.geo.services import admin_areas_load
from abri.registry.models import Household
from abri.stock.models import Kit, MovementKind, StockBalance, StockMovement
from abri.stock.services import item_create, kit_create, kit_lines, movements_record, warehouse_create
from abri.synth.output import population_save
from abri.synth.people import SynthSpec, synth_population

CODE = "BENCH-HANDOVER"


def prepare(households: int) -> tuple[str, list[str], str]:
    """A fresh open distribution of ``households`` entitlements (and kits for all); (code, tokens, API token)."""
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: this benchmark measures concurrency.")
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    admin_areas_load(actor=None)
    iom = Organisation.objects.create(acronym="IOM", name="International Organization for Migration", kind="un_agency")
    programme = Programme.objects.create(code="BENCH", name="Bench", organisation=iom)
    officer = User.objects.create_user(username="bench.officer", password=uuid.uuid4().hex)
    membership = Membership.objects.create(user=officer, organisation=iom, role=Role.DISTRIBUTION_OFFICER)
    membership.admin_areas.set([AdminArea.objects.get(pk="ML10")])
    membership.programmes.set([programme])
    keeper = User.objects.create_user(username="bench.keeper", password=uuid.uuid4().hex)
    Membership.objects.create(user=keeper, organisation=iom, role=Role.WAREHOUSE_OFFICER, all_areas=True)
    items = {
        code: item_create(actor=None, code=code, name_fr=code.title(), name_en=code.title())
        for code in ("BLANKET", "MAT", "COOKSET", "JERRYCAN", "BUCKET", "SOAP")
    }
    kit = kit_create(
        actor=None,
        code="NFI",
        name_fr="Kit ANA",
        name_en="NFI kit",
        contents={
            items["BLANKET"]: 2,
            items["MAT"]: 2,
            items["COOKSET"]: 1,
            items["JERRYCAN"]: 2,
            items["BUCKET"]: 1,
            items["SOAP"]: 4,
        },
    )
    store = warehouse_create(
        actor=None, code="MNK-01", name="Magasin", organisation=iom, admin_area=AdminArea.objects.get(pk="ML1001")
    )
    movements_record(
        actor=None,
        kind=MovementKind.RECEIPT,
        warehouse=store,
        lines=kit_lines(kit.versions.get(), households + 10),
        consignment="BENCH-1",
    )
    population = synth_population(SynthSpec(households=households, seed=13, areas=("ML1001",), mean_size=3.0))
    population_save(actor=None, organisation=iom, population=population)
    today = timezone.localdate()
    distribution = distribution_plan(
        actor=officer,
        scope=scope_for(user=officer),
        code=CODE,
        name="Bench",
        programme=programme,
        admin_area=AdminArea.objects.get(pk="ML1001"),
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=1),
        kit=Kit.objects.get(code="NFI"),
        warehouse=store,
    )
    entitlements = distribution_households_add(
        actor=officer,
        scope=scope_for(user=officer),
        distribution=distribution,
        households=list(Household.objects.all()),
    )
    distribution_dispatch(actor=keeper, scope=scope_for(user=keeper), distribution=distribution, kits=households)
    distribution_open(actor=officer, scope=scope_for(user=officer), distribution=distribution)
    _token, plain = token_create(actor=None, user=officer, name="bench")
    return CODE, [entitlement.token for entitlement in entitlements], plain


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(port: int, wait: float = 60) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "abri.manage", "serve", "--port", str(port)],
        env=os.environ | {"ABRI_TASKS_IMMEDIATE": "true"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.3)
    process.terminate()
    sys.exit(f"abri serve did not answer within {wait:.0f} s")


async def post(client: httpx.AsyncClient, body: dict, latencies: list[float]) -> int:
    started = time.perf_counter()
    response = await client.post("/api/v1/handovers", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
    latencies.append(time.perf_counter() - started)
    return response.status_code


async def load(
    base: str, api_token: str, code: str, tokens: list[str], clients: int
) -> tuple[list[int], list[float], float]:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for token in tokens:
        queue.put_nowait(token)
    statuses: list[int] = []
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {api_token}", "Accept-Language": "en"}
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:

        async def worker() -> None:
            while not queue.empty():
                token = queue.get_nowait()
                statuses.append(await post(client, {"token": token, "distribution": code}, latencies))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return statuses, latencies, elapsed


async def race(base: str, api_token: str, token: str, clients: int) -> list[int]:
    headers = {"Authorization": f"Bearer {api_token}", "Accept-Language": "en"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:
        await client.get("/api/v1/openapi.json")  # warm the connections' workers
        latencies: list[float] = []
        return list(await asyncio.gather(*(post(client, {"token": token}, latencies) for _ in range(clients))))


def cpu_seconds(root: int) -> float:
    """CPU time (user + system) of ``root`` and all its descendants so far: the server's own work, whatever
    else the machine runs."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    tree, grown = {root}, True
    while grown:
        grown = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grown = True
    return sum(times.get(pid, 0.0) for pid in tree)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--handovers", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=50)
    arguments = parser.parse_args()
    print(f"Preparing {arguments.handovers + 1} entitlements…", flush=True)
    code, tokens, api_token = prepare(arguments.handovers + 1)
    race_token, tokens = tokens[0], tokens[1:]
    port = free_port()
    server = serve(port)
    base = f"http://127.0.0.1:{port}"
    try:
        warm = asyncio.run(load(base, api_token, code, tokens[:200], arguments.clients))
        cpu_before = cpu_seconds(server.pid)
        statuses, latencies, elapsed = asyncio.run(load(base, api_token, code, tokens[200:], arguments.clients))
        server_cpu = cpu_seconds(server.pid) - cpu_before
        raced = asyncio.run(race(base, api_token, race_token, arguments.clients))
    finally:
        server.terminate()
        server.wait(timeout=30)
    successes = warm[0].count(201) + statuses.count(201)
    print(f"cores: {os.cpu_count()}, clients: {arguments.clients}, handovers measured: {len(statuses)}")
    print(f"handovers/s: {len(statuses) / elapsed:.0f} (goal >= 500)")
    print(
        f"latency ms: p50 {1000 * statistics.median(latencies):.1f}, p95 {1000 * percentile(latencies, 0.95):.1f}, "
        f"p99 {1000 * percentile(latencies, 0.99):.1f} (goal p99 < 100), max {1000 * max(latencies):.1f}"
    )
    print(
        f"web server CPU per handover: {1000 * server_cpu / len(statuses):.1f} ms "
        f"(the workers' own time; 2 cores give at most {2 * len(statuses) / server_cpu:.0f} handovers/s)"
    )
    print(f"answers: {sorted({status: statuses.count(status) for status in set(statuses)}.items())}")
    print(
        f"race on one entitlement, {len(raced)} clients: {raced.count(201)} success, {raced.count(409)} refused (409)"
    )
    distribution = Distribution.objects.get(code=code)
    kits = DistributionKits.objects.get(distribution=distribution)
    recorded = Handover.objects.filter(distribution=distribution, status="recorded").count()
    blankets = -(
        StockMovement.objects.filter(reference=distribution.reference, kind="dispatch", item__code="BLANKET").aggregate(
            total=Sum("quantity")
        )["total"]
        or 0
    )
    checks = {
        "handovers = successes": recorded == successes + raced.count(201),
        "one success in the race": raced.count(201) == 1 and raced.count(409) == len(raced) - 1,
        "kits taken = handovers": kits.dispatched - kits.available == recorded,
        "ledger dispatched = kits dispatched": blankets == 2 * kits.dispatched,
        "no negative balance": not StockBalance.objects.filter(quantity__lt=0).exists() and kits.available >= 0,
        "one entitlement per household": Entitlement.objects.filter(distribution=distribution).count()
        == Household.objects.count(),
    }
    for name, passed in checks.items():
        print(f"check {name}: {'ok' if passed else 'FAILED'}")
    print(f"recorded {recorded}, answered 201 {successes + raced.count(201)}, kits left {kits.available}")
    if not all(checks.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
