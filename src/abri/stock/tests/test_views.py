"""The stock pages a warehouse keeper and a distribution planner use: ledger, transfer, loss,
adjustment, kit contents; what each role may open."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from abri.access.models import Role
from abri.access.selectors import scope_for
from abri.access.tests.factories import MembershipFactory, OrganisationFactory
from abri.stock.models import Kit, MovementKind, StockBalance, StockMovement
from abri.stock.selectors import kit_version_latest
from abri.stock.services import Line, stock_receive, warehouse_create
from abri.stock.tests.factories import items, nfi_kit, warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    iom = OrganisationFactory(acronym="IOM")
    main = warehouse(organisation=iom)
    annex = warehouse_create(actor=None, code="MNK-02", name="Annexe", organisation=iom, admin_area=main.admin_area)
    keeper = MembershipFactory(organisation=iom, role=Role.WAREHOUSE_OFFICER, areas=[main.admin_area.parent]).user
    by_code = items()
    stock_receive(
        actor=keeper,
        scope=scope_for(user=keeper),
        warehouse=main,
        lines=[Line(by_code["BLANKET"], 100), Line(by_code["SOAP"], 40)],
        consignment="WB-1",
        donor=None,
    )
    return iom, main, annex, keeper


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _held(store) -> dict[str, int]:
    return dict(StockBalance.objects.filter(warehouse=store).values_list("item__code", "quantity"))


def test_a_keeper_transfers_stock_and_both_warehouses_show_it(site):
    _iom, main, annex, keeper = site
    client = _client(keeper)
    page = client.get(f"/stock/transfers/new/?warehouse={main.pk}")
    assert page.status_code == 200
    assert f'<option value="{main.pk}" selected' in page.content.decode()
    assert f'type="date" name="occurred_on" value="{timezone.localdate().isoformat()}"' in page.content.decode()
    form = {"source": main.pk, "destination": annex.pk, "occurred_on": "2022-12-01", "lines": "BLANKET 30"}
    response = client.post("/stock/transfers/new/", form)
    assert response.status_code == 302
    assert response["Location"] == f"/stock/warehouses/{main.pk}/"
    assert _held(main)["BLANKET"] == 70
    assert _held(annex) == {"BLANKET": 30}
    ledger = client.get(f"/stock/warehouses/{annex.pk}/").content.decode()
    assert "transfert entrant" in ledger.lower() or "transfer in" in ledger.lower()


def test_a_transfer_of_more_than_is_held_is_refused_on_the_form_and_nothing_moves(site):
    _iom, main, annex, keeper = site
    form = {"source": main.pk, "destination": annex.pk, "occurred_on": "2022-12-01", "lines": "SOAP 41"}
    response = _client(keeper).post("/stock/transfers/new/", form)
    assert response.status_code == 200
    assert "40" in response.content.decode()  # the refusal says what is held
    assert _held(main)["SOAP"] == 40
    assert _held(annex) == {}
    same = form | {"destination": main.pk, "lines": "SOAP 1"}
    assert _client(keeper).post("/stock/transfers/new/", same).status_code == 200
    assert StockMovement.objects.exclude(kind=MovementKind.RECEIPT).count() == 0


def test_a_loss_needs_its_reason_and_then_shows_in_the_ledger(site):
    _iom, main, _annex, keeper = site
    client = _client(keeper)
    form = {"warehouse": main.pk, "occurred_on": "2022-12-02", "lines": "SOAP 5", "reason": ""}
    assert client.post("/stock/losses/new/", form).status_code == 200
    assert _held(main)["SOAP"] == 40
    response = client.post("/stock/losses/new/", form | {"reason": "Cartons mouillés par la pluie"})
    assert response.status_code == 302
    assert _held(main)["SOAP"] == 35
    ledger = client.get(f"/stock/warehouses/{main.pk}/").content.decode()
    assert "Cartons mouillés par la pluie" in ledger
    assert "-5" in ledger


def test_an_adjustment_takes_signed_differences_and_refuses_a_zero_naming_the_line(site):
    _iom, main, _annex, keeper = site
    client = _client(keeper)
    form = {"warehouse": main.pk, "occurred_on": "2022-12-03", "reason": "Comptage du 3 décembre"}
    refused = client.post("/stock/adjustments/new/", form | {"lines": "BLANKET -2\nSOAP 0"})
    assert refused.status_code == 200
    assert "Ligne 2" in refused.content.decode()
    assert _held(main) == {"BLANKET": 100, "SOAP": 40}
    response = client.post("/stock/adjustments/new/", form | {"lines": "BLANKET -2\nSOAP +1"})
    assert response.status_code == 302
    assert _held(main) == {"BLANKET": 98, "SOAP": 41}


def test_another_organisations_warehouse_is_not_found_and_its_stock_not_movable(site):
    _iom, main, _annex, _keeper = site
    other = OrganisationFactory(acronym="NRC")
    stranger = MembershipFactory(organisation=other, role=Role.WAREHOUSE_OFFICER, areas=[main.admin_area.parent]).user
    client = _client(stranger)
    assert client.get(f"/stock/warehouses/{main.pk}/").status_code == 404
    form = {"warehouse": main.pk, "occurred_on": "2022-12-02", "lines": "SOAP 5", "reason": "vol"}
    assert client.post("/stock/losses/new/", form).status_code == 200  # not among the choices: refused
    assert _held(main)["SOAP"] == 40


def test_a_role_that_moves_no_stock_is_refused_the_movement_pages(site):
    iom, main, _annex, _keeper = site
    planner = MembershipFactory(organisation=iom, role=Role.DISTRIBUTION_OFFICER, areas=[main.admin_area.parent]).user
    client = _client(planner)
    for page in ("/stock/receipts/new/", "/stock/transfers/new/", "/stock/losses/new/", "/stock/adjustments/new/"):
        assert client.get(page).status_code == 403, page
    assert client.get(f"/stock/warehouses/{main.pk}/").status_code == 200  # sees the stock


def test_a_planner_changes_a_kit_and_the_old_version_stays(site):
    iom, main, _annex, keeper = site
    kit = nfi_kit()
    planner = MembershipFactory(organisation=iom, role=Role.DISTRIBUTION_OFFICER, areas=[main.admin_area.parent]).user
    client = _client(planner)
    page = client.get(f"/stock/kits/{kit.pk}/edit/").content.decode()
    assert "BLANKET 2" in page  # the current contents to start from
    refused = client.post(f"/stock/kits/{kit.pk}/edit/", {"lines": "BLANKET 3\nTENT 1", "note": "hiver"})
    assert refused.status_code == 200
    assert kit_version_latest(kit_id=kit.pk).number == 1
    response = client.post(f"/stock/kits/{kit.pk}/edit/", {"lines": "BLANKET 3\nSOAP 2\nblanket 1", "note": "hiver"})
    assert response.status_code == 302
    latest = kit_version_latest(kit_id=kit.pk)
    assert latest.number == 2
    assert sorted((line.item.code, line.quantity) for line in latest.lines.all()) == [("BLANKET", 4), ("SOAP", 2)]
    assert Kit.objects.get(pk=kit.pk).versions.count() == 2
    listing = client.get("/stock/kits/").content.decode()
    assert "4 × Couverture" in listing
    assert _client(keeper).get(f"/stock/kits/{kit.pk}/edit/").status_code == 403
    assert "4 × Couverture" in _client(keeper).get("/stock/kits/").content.decode()
