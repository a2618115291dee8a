"""The handover page with no network: an officer prepares the point, the network goes, she records
handovers (one refused at once as handed over already on this device), reloads the page, the
network comes back and the server has each handover once; two devices hand over the same kit
offline: the second is a conflict, shown on the device and to the supervisor with both records."""

import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory, UserFactory
from abri.assistance.models import Handover, HandoverConflict, HandoverStatus, IdempotencyKey
from abri.assistance.tests.factories import setting
from abri.assistance.tokens import token_display
from abri.geo.tests.factories import mali_areas

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-test-password"


# What the device keeps: households prepared, handovers queued, pages cached (read in the page).
STORED = """async () => {
  const name = (await indexedDB.databases()).find((d) => d.name.startsWith("abri-offline-")).name;
  const db = await new Promise((done) => { const r = indexedDB.open(name); r.onsuccess = () => done(r.result); });
  const count = (store) => new Promise((done) => {
    const r = db.transaction([store]).objectStore(store).count(); r.onsuccess = () => done(r.result); });
  const pages = (await caches.keys()).filter((k) => k.startsWith("abri-shell-")).length;
  return { entitlements: await count("entitlements"), queue: await count("queue"), pages };
}"""


def _device(browser, live_server, username: str):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 360, "height": 780})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    blocked: list[str] = []
    tab.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    tab.goto("/accounts/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.get_by_role("button", name="Se connecter").click()
    tab.wait_for_url(re.compile(r"/$"))
    return context, tab, blocked


def _prepare(tab, code: str, point: str) -> None:
    tab.goto(f"/distributions/{code}/handover/")
    tab.wait_for_selector("#offline:not([hidden])")
    tab.select_option("#offline-point", label=point)
    tab.click("#prepare")
    expect(tab.locator("#offline")).to_have_attribute("data-prepared-in", re.compile(r"^[0-9]+$"))


def _find(tab, text: str) -> None:
    tab.fill("#search", text)
    tab.press("#search", "Enter")


def _record(tab, text: str) -> None:
    _find(tab, text)
    tab.locator("form.local button[type=submit]").click()
    tab.wait_for_selector("#offline-message.success")


@pytest.fixture
def found(transactional_db):
    found = setting(today=timezone.localdate(), households=4, kits=10)
    officer = User.objects.get(pk=found.officer.pk)
    officer.set_password(PASSWORD)
    officer.save()
    return found


def test_record_offline_reload_and_sync_each_handover_once(browser, live_server, found):
    code = found.distribution.code
    context, tab, blocked = _device(browser, live_server, "distribution.menaka")
    _prepare(tab, code, "Site Nord")
    assert "4" in tab.locator("#prepared").inner_text()
    assert tab.evaluate("document.documentElement.scrollWidth") <= 360

    context.set_offline(True)
    tab.reload()
    tab.wait_for_selector("#offline:not([hidden])")
    assert tab.locator("#net.warn").is_visible()
    first, second = found.entitlements[0], found.entitlements[1]
    _record(tab, token_display(first.token))
    _find(tab, second.household.head.given_names)  # by name
    tab.check("form.local input[value=proxy]")
    tab.fill("form.local input[name=proxy_name]", "Awa Maïga")
    tab.fill("form.local input[name=proxy_relationship]", "sœur")
    tab.locator("form.local button[type=submit]").click()
    tab.wait_for_selector("#offline-message.success")
    _find(tab, first.token.lower())  # the first again, as typed: refused at once
    assert tab.locator("#local-results .errorbox").count() == 1
    assert tab.locator("form.local button[type=submit]").count() == 0
    assert tab.locator("#pending").inner_text() == "2"

    tab.reload()  # with no network: the page, the households and the queue are all still there
    expect(tab.locator("#pending")).to_have_text("2")
    assert tab.locator("#done-list li.state-waiting").count() == 2
    assert not Handover.objects.exists()

    context.set_offline(False)
    expect(tab.locator("#pending")).to_have_text("0", timeout=30_000)
    assert tab.locator("#done-list li.state-synced").count() == 2
    assert tab.locator("#last-sync").inner_text() not in {"", "—"}
    recorded = Handover.objects.filter(status=HandoverStatus.RECORDED)
    assert sorted(recorded.values_list("entitlement_id", flat=True)) == sorted([first.pk, second.pk])
    assert recorded.get(entitlement=second).proxy_name == "Awa Maïga"
    assert {h.point.name for h in recorded} == {"Site Nord"}
    assert IdempotencyKey.objects.count() == 2

    tab.reload()  # online again: nothing sent twice
    expect(tab.locator("#pending")).to_have_text("0")
    assert Handover.objects.count() == 2

    tab.locator("form.logout button").click()  # nothing waits: the households go with the login
    tab.wait_for_url(re.compile(r"/accounts/login/"))
    left = tab.evaluate(STORED)
    assert left == {"entitlements": 0, "queue": 2, "pages": 0}, left  # the queue (all synced) stays
    context.close()
    assert not blocked, blocked


def test_the_same_kit_on_two_devices_is_a_conflict_shown_on_the_device_and_to_the_supervisor(
    browser, live_server, found
):
    code = found.distribution.code
    other = UserFactory(username="distribution.menaka2")
    other.set_password(PASSWORD)
    other.save()
    MembershipFactory(
        user=other,
        organisation=found.iom,
        role=Role.DISTRIBUTION_OFFICER,
        areas=[mali_areas()["ML10"]],
        programme_list=[found.programme],
    )
    token = token_display(found.entitlements[0].token)
    first, tab_a, _blocked_a = _device(browser, live_server, "distribution.menaka")
    second, tab_b, _blocked_b = _device(browser, live_server, "distribution.menaka2")
    _prepare(tab_a, code, "Site Nord")
    _prepare(tab_b, code, "École de Ménaka")
    first.set_offline(True)
    second.set_offline(True)
    _record(tab_a, token)
    _record(tab_b, token)

    first.set_offline(False)
    expect(tab_a.locator("#pending")).to_have_text("0", timeout=30_000)
    second.set_offline(False)
    expect(tab_b.locator("#pending")).to_have_text("0", timeout=30_000)
    assert tab_b.locator("#done-list li.state-conflict").count() == 1
    assert "distribution.menaka" in tab_b.locator("#done-list li.state-conflict").inner_text()
    assert Handover.objects.filter(status=HandoverStatus.RECORDED).count() == 1
    conflict = HandoverConflict.objects.get()
    assert conflict.recorded_by.username == "distribution.menaka2"
    assert conflict.point.name == "École de Ménaka"

    tab_a.goto(f"/distributions/{code}/conflicts/")
    article = tab_a.locator(f"#conflict-{conflict.pk}")
    text = article.inner_text()
    assert "Site Nord" in text
    assert "École de Ménaka" in text
    assert "distribution.menaka2" in text
    assert tab_a.evaluate("document.documentElement.scrollWidth") <= 360
    article.locator("input[name=resolution]").first.check()
    article.locator("input[name=note]").fill("Deux kits remis: compté perdu")
    article.locator("button[type=submit]").click()
    tab_a.wait_for_url(re.compile(r"/conflicts/$"))
    assert HandoverConflict.objects.get().status == "resolved"
    tab_a.goto(f"/distributions/{code}/points/")
    tab_a.get_by_role("button", name="Rattacher les droits aux points").click()
    tab_a.wait_for_url(re.compile(r"/points/$"))
    assert "4 droits rattachés à un point." in tab_a.locator(".messages").inner_text()
    assert tab_a.evaluate("document.documentElement.scrollWidth") <= 360
    first.close()
    second.close()
