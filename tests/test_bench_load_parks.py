"""Issue 17 §5: the web load benchmark's 10-zone ledger (bench/load_parks.py, bench/web_load.py) — the demo's 9 zones
as the demo builds them, one more top-level park per zone above 9 holding its share of the firms with valid codes,
and park-scoped users whose enterprise list shows their zone's firms only."""

import re

import pytest
import shapely
from django.contrib.auth import get_user_model

from bench.load_parks import build_parks, firm_shares
from bench.web_load import park_accounts
from parkgov.codes.uscc import check_uscc
from parkgov.demo.generator import generate
from parkgov.ledger.models import Enterprise, LandLink, Parcel, YearlyFigure, Zone

FIRMS = 300


@pytest.fixture
def ten_zones(actor):
    return build_parks(zones=10, firms=FIRMS, seed=2021, actor=actor)


def test_firm_shares_give_each_added_park_one_tenth_and_refuse_fewer_zones_than_the_demo():
    assert firm_shares(firms=1_000_000, zones=10) == (900_000, [100_000])
    assert firm_shares(firms=1000, zones=12) == (751, [83, 83, 83])
    assert firm_shares(firms=1000, zones=9) == (1000, [])
    with pytest.raises(SystemExit, match="--zones 8: the demo alone has 9 zones"):
        firm_shares(firms=1000, zones=8)


def test_added_park_holds_its_share_with_valid_codes_inside_its_boundary(ten_zones):
    assert ten_zones == ["ZJ-330602"]
    park = Zone.objects.get(code="ZJ-330602")
    assert (park.parent_id, park.kind, park.division_code) == (None, "development_zone", "330602")
    assert Zone.objects.count() == 10
    demo = generate(enterprises=FIRMS * 9 // 10, seed=2021).frames
    assert Enterprise.objects.exclude(zone=park).count() == demo["企业"].height
    assert Parcel.objects.exclude(zone=park).count() == demo["地块"].height
    assert set(Enterprise.objects.exclude(zone=park).values_list("credit_code", flat=True)) == \
        set(demo["企业"]["credit_code"])
    firms = list(Enterprise.objects.filter(zone=park).values_list("credit_code", "name"))
    assert len(firms) == FIRMS // 10
    assert all(check_uscc(code).ok and code[2:8] == "330602" for code, _name in firms)
    assert not any("嵊州" in name for _code, name in firms)
    parcels = Parcel.objects.filter(zone=park)
    assert parcels.exists() and all(code.startswith("ZJ-330602-") for code in parcels.values_list("code", flat=True))
    land_codes = parcels.exclude(land_code=None).values_list("land_code", flat=True)
    assert all(land.startswith("330602") for land in land_codes)
    boundary = shapely.from_wkb(bytes(park.geometry))
    outlines = shapely.from_wkb([bytes(g) for g in parcels.values_list("geometry", flat=True)])
    assert shapely.covers(boundary.buffer(1e-6), outlines).all()
    links = LandLink.objects.filter(enterprise__zone=park)
    assert links.exists() and not links.exclude(parcel__zone=park).exists()
    assert not LandLink.objects.filter(parcel__zone=park).exclude(enterprise__zone=park).exists()
    assert YearlyFigure.objects.filter(enterprise__zone=park).exists()


def test_park_scoped_users_list_only_their_zones_firms(ten_zones, client):
    names = park_accounts()
    assert len(names) == 10 and "load_ZJ-330602" in names and "load_SZ-KFQ" in names
    demo_zone_ids = set(Zone.objects.exclude(code="ZJ-330602").values_list("id", flat=True))
    for name, allowed in (("load_ZJ-330602", {Zone.objects.get(code="ZJ-330602").pk}),
                          ("load_SZ-KFQ", demo_zone_ids), ("load_SZ-KFQ-CJ", {Zone.objects.get(code="SZ-KFQ-CJ").pk})):
        client.force_login(get_user_model().objects.get(username=name))
        body = client.get("/enterprises/").content.decode()
        shown = set(re.findall(r'href="/enterprises/([0-9A-Z]{18})/"', body))
        assert shown, name
        zones = set(Enterprise.objects.filter(credit_code__in=shown).values_list("zone_id", flat=True))
        assert zones <= allowed, name
        other = Parcel.objects.exclude(zone_id__in=allowed).values_list("code", flat=True).first()
        assert client.get(f"/parcels/{other}/").status_code == 404, name
