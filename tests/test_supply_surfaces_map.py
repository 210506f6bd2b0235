"""一张图, issue 15 §6: the 承诺状态 and 闲置状态 modes from the latest review run. Tiles (detailed and generalised)
and the card carry each parcel's commitment status (the most serious of its contracts) and idle status, only for
roles that read `supply`, only in the user's parks; legends take their colours from supply/choices.py and count
what the tiles draw; a new review run changes the tiles' version and entity tag.

Ledger (tests/test_map.py): SZ-0001 and SZ-0003 in park SZ, SZ-0002 in SZ-XW1; all three drawn.
"""

from collections import Counter

import pytest

from parkgov.accounts.scopes import role_table
from parkgov.ledger.models import Enterprise, Parcel
from parkgov.spatial import tile_data
from parkgov.supply.choices import COMMITMENT_COLOURS, IDLE_COLOURS
from parkgov.testing import make_commitment_check, make_contract, make_idle_check, make_review_run, staff_roles, uscc
from tests.test_map import _decode, _tile_xy, _user, ledger  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
EXPECTED = {"SZ-0001": ("not_met", "normal"), "SZ-0002": ("recovery", "idle"), "SZ-0003": (None, "recover")}


@pytest.fixture
def review(ledger):  # noqa: F811
    p1, p2, p3 = (Parcel.objects.get(code=f"SZ-000{n}") for n in (1, 2, 3))
    a, b = Enterprise.objects.get(credit_code=uscc(1)), Enterprise.objects.get(credit_code=uscc(2))
    contracts = {"C-1a": make_contract(number="C-1a", parcel=p1, enterprise=a),
                 "C-1b": make_contract(number="C-1b", parcel=p1, enterprise=a),
                 "C-2": make_contract(number="C-2", parcel=p2, enterprise=b)}
    old = make_review_run(year=2024)
    make_commitment_check(run=old, contract=contracts["C-2"], status="met")
    make_idle_check(run=old, parcel=p3, status="warning")
    run = make_review_run(year=2025)
    make_commitment_check(run=run, contract=contracts["C-1a"], status="met")
    make_commitment_check(run=run, contract=contracts["C-1b"], status="not_met")  # the more serious one shows
    make_commitment_check(run=run, contract=contracts["C-2"], status="recovery")
    for parcel, status in ((p1, "normal"), (p2, "idle"), (p3, "recover")):
        make_idle_check(run=run, parcel=parcel, status=status)
    return {"run": run, "contracts": contracts}


def _properties(features) -> dict:
    return {code: (f["properties"].get("commitment"), f["properties"].get("idle")) for code, f in features.items()}


def test_tiles_and_card_carry_the_latest_runs_statuses(client, review):
    client.force_login(_user("supply-admin", superuser=True))
    for z in (14, 12):
        assert _properties(_decode(client, "parcels", z=z)) == EXPECTED, z
    for code, (commitment, idle) in EXPECTED.items():
        card = client.get(f"/tiles/parcels/{Parcel.objects.get(code=code).pk}.json").json()
        assert (card.get("commitment"), card.get("idle")) == (commitment, idle), code


@pytest.mark.parametrize("role", staff_roles())  # issue 16 §5: enterprise accounts in tests/test_scope.py
def test_only_roles_reading_supply_get_the_modes(client, review, role):
    client.force_login(_user(f"supply-{role}", role=role))
    reads = "supply" in role_table()["roles"][role]["read"]
    context = client.get("/map/").context["map"]
    assert ("commitment" in context["legends"] and "idle" in context["legends"]) == reads, role
    features = _decode(client, "parcels", z=14)
    assert set(features) == set(EXPECTED)
    for code, feature in features.items():
        carried = {name for name, value in zip(("commitment", "idle"), EXPECTED[code]) if value} if reads else set()
        assert {"commitment", "idle"} & set(feature["properties"]) == carried, (role, code)
    page = client.get("/map/").content.decode()
    assert ('value="commitment"' in page and 'data-field="commitment"' in page) == reads


def _served(context, column) -> Counter:
    table = next(t for t in context["counts"].get("tables", []) if column in t["columns"])
    at = table["columns"].index(column)
    found = Counter()
    for row in table["rows"]:
        found[row[at]] += row[-1]
    return found


@pytest.mark.parametrize("zones", [(), ("SZ-XW1",)])
def test_legends_have_the_colours_of_choices_and_count_what_is_drawn(client, review, zones):
    client.force_login(_user(f"supply-committee-{len(zones)}", role="committee", zones=zones))
    context = client.get("/map/").context["map"]
    legend = context["legends"]["commitment"]
    assert {i["value"]: i["colour"] for i in legend["items"] if i["value"]} == {k.value: v for k, v in
                                                                               COMMITMENT_COLOURS.items()}
    assert {i["value"]: i["colour"] for i in context["legends"]["idle"]["items"] if i["value"]} == {
        k.value: v for k, v in IDLE_COLOURS.items()}
    assert "2025-12-31" in legend["note"]
    shown = {code: value for code, value in EXPECTED.items() if not zones or code == "SZ-0002"}
    assert _served(context, "commitment") == Counter(v[0] for v in shown.values())
    assert _served(context, "idle") == Counter(v[1] for v in shown.values())
    assert set(_decode(client, "parcels", z=14)) == set(shown)


def test_a_new_review_run_changes_the_tile_version_and_tiles(client, review):
    """The modes' version (newest run) is part of the tiles' data version: a new run is new tiles at once."""
    client.force_login(_user("supply-etag", superuser=True))
    x, y = _tile_xy(12)
    version = tile_data.data_version()
    first = client.get(f"/tiles/parcels/12/{x}/{y}.pbf")
    etag = first["ETag"]
    assert client.get(f"/tiles/parcels/12/{x}/{y}.pbf", HTTP_IF_NONE_MATCH=etag).status_code == 304
    run = make_review_run(year=2026)
    make_commitment_check(run=run, contract=review["contracts"]["C-2"], status="met")
    make_idle_check(run=run, parcel=Parcel.objects.get(code="SZ-0002"), status="started")
    assert tile_data.data_version() != version
    second = client.get(f"/tiles/parcels/12/{x}/{y}.pbf", HTTP_IF_NONE_MATCH=etag)
    assert second.status_code == 200 and second["ETag"] != etag
    assert _properties(_decode(client, "parcels", z=14)) == {"SZ-0001": (None, None), "SZ-0002": ("met", "started"),
                                                             "SZ-0003": (None, None)}
    assert _properties(_decode(client, "parcels", z=12))["SZ-0002"] == ("met", "started")
