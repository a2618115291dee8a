"""The handover page offline: its first load, compressed, and the time to prepare a distribution
point of 5,000 entitlements on a mid-range phone profile (CPU four times slower, a 3G line),
against PostgreSQL and `abri serve` (gunicorn, WhiteNoise's compressed static files), in the
system Chromium.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abri_bench_offline \
        .venv/bin/python bench/offline_bench.py --entitlements 5000

Goals (issue 14): the first load under 150 KB compressed (apart from the entitlement data), and
5,000 entitlements prepared in under 10 s. Prints: each file of the first load with its bytes
on the wire, their sum; the preparation's answer (bytes on the wire) and the time from the
click to the households stored in IndexedDB, with the network and CPU throttled and without.

The database is created (or emptied) here: synthetic households only, the public test key.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import socket
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
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from abri.access.models import Membership, Organisation, Role
from abri.access.selectors import scope_for
from abri.access.services import token_create
from abri.assistance.models import Programme
from abri.assistance.services import (
    distribution_dispatch,
    distribution_households_add,
    distribution_open,
    distribution_plan,
)
from abri.geo.models import AdminArea
from abri.geo.services import admin_areas_load
from abri.registry.models import Household
from abri.stock.models import Kit, MovementKind
from abri.stock.services import item_create, kit_create, kit_lines, movements_record, warehouse_create
from abri.synth.output import population_save
from abri.synth.people import SynthSpec, synth_population

CODE = "BENCH-OFFLINE"


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


def serve(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "abri.manage", "serve", "--port", str(port)],
        env=os.environ | {"ABRI_TASKS_IMMEDIATE": "true"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240  # collectstatic compresses every file first
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.3)
    process.terminate()
    sys.exit("abri serve did not answer within 240 s")


PASSWORD = uuid.uuid4().hex  # the officer logs in with it, in this run only
# A mid-range phone on a 3G line: Chrome DevTools' "Fast 3G" and a CPU four times slower.
PHONE_NETWORK = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8}
PHONE_CPU = 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entitlements", type=int, default=5000)
    args = parser.parse_args()
    started = time.perf_counter()
    code, _tokens, _api_token = prepare(args.entitlements)
    officer = User.objects.get(username="bench.officer")
    officer.set_password(PASSWORD)
    officer.save()
    print(f"distribution of {args.entitlements} entitlements made in {time.perf_counter() - started:.0f} s")
    port = free_port()
    server = serve(port)
    try:
        measure(f"http://127.0.0.1:{port}", code)
    finally:
        server.terminate()
        server.wait(30)


def measure(base: str, code: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
        context = browser.new_context(base_url=base, locale="fr-FR", viewport={"width": 360, "height": 780})
        context.set_default_timeout(120_000)
        tab = context.new_page()
        tab.goto("/accounts/login/")
        tab.fill("#id_username", "bench.officer")
        tab.fill("#id_password", PASSWORD)
        tab.get_by_role("button", name="Se connecter").click()
        tab.wait_for_url(f"{base}/")
        # The first load: a new browser (empty HTTP cache), logged in with the same session.
        state = context.storage_state()
        context.close()
        context = browser.new_context(
            base_url=base, locale="fr-FR", viewport={"width": 360, "height": 780}, storage_state=state
        )
        context.set_default_timeout(120_000)
        tab = context.new_page()

        loaded: list[tuple[str, int]] = []
        tab.on("requestfinished", lambda request: loaded.append((request.url, request.sizes()["responseBodySize"])))
        tab.goto(f"/distributions/{code}/handover/")
        tab.wait_for_load_state("networkidle")
        print("\nfirst load of the handover page (bytes on the wire, compressed where served so):")
        for url, size in loaded:
            print(f"  {size:>8}  {url.removeprefix(base)}")
        total = sum(size for _url, size in loaded)
        print(f"  {total:>8}  in all = {total / 1024:.1f} KB (goal: under 150 KB)")

        for label, throttled in (("desktop, no throttling", False), ("mid-range phone, 3G", True)):
            cdp = context.new_cdp_session(tab)
            if throttled:
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", PHONE_NETWORK)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": PHONE_CPU})
            tab.reload()
            expect(tab.locator("#offline")).to_be_visible()
            clicked = time.perf_counter()
            tab.click("#prepare")
            expect(tab.locator("#offline")).to_have_attribute("data-prepared-in", re.compile(r"^\d+$"), timeout=120_000)
            wall = time.perf_counter() - clicked
            inside = int(tab.locator("#offline").get_attribute("data-prepared-in") or 0) / 1000
            count = tab.locator("#prepared").inner_text()
            answers = tab.evaluate(
                "() => performance.getEntriesByType('resource')"
                ".filter(e => e.name.includes('/api/v1/') && e.name.includes('/offline') && !e.name.includes('/sync'))"
                ".map(e => e.encodedBodySize)"
            )
            print(
                f"\nprepare ({label}): {wall:.1f} s from the click ({inside:.1f} s in the page), "
                f"answer {answers[-1] if answers else 0} bytes on the wire; {count}"
            )
            tab.evaluate("document.getElementById('offline').removeAttribute('data-prepared-in')")
            if throttled:
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
            cdp.detach()
        browser.close()


if __name__ == "__main__":
    main()
