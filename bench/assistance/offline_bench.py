"""The handover page offline: its first load, compressed, and the time to prepare a distribution
point of 5,000 entitlements on a mid-range phone profile (CPU four times slower, a 3G line),
against PostgreSQL and `abri serve` (gunicorn, WhiteNoise's compressed static files), in the
system Chromium.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abri_bench_offline \
        .venv/bin/python bench/assistance/offline_bench.py --entitlements 5000

Goals (issue 14): the first load under 150 KB compressed (apart from the entitlement data), and
5,000 entitlements prepared in under 10 s. Prints: each file of the first load with its bytes
on the wire, their sum; the preparation's answer (bytes on the wire) and the time from the
click to the households stored in IndexedDB, with the network and CPU throttled and without.

The database is created (or emptied) here: synthetic households only, the public test key.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the handover benchmark beside this one

from handover_bench import free_port, prepare, serve  # noqa: I001  # first: it sets Django up for the imports below
from django.contrib.auth.models import User
from playwright.sync_api import expect, sync_playwright


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
    server = serve(port, wait=240)  # collectstatic compresses every file first
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
