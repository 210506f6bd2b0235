"""Issue 14 §6: the demo's river and planned-land-use GeoPackages — deterministic by seed, readable by GDAL's own
ogrinfo, the 城北化工园区 beside the river, most parcels complying with the plan and some not; imported as layers."""

import shutil
import subprocess

import numpy as np
import pyogrio
import pytest
import shapely

from parkgov.demo.generator import generate
from parkgov.demo.generator.reference import import_demo_layers, write_reference_layers
from parkgov.governance.models import ReferenceLayer
from parkgov.governance.overlay import planned_use_shares
from parkgov.ledger import geometry


@pytest.fixture(scope="module")
def demo():
    return generate(enterprises=600, seed=2021)


def _read(path):
    meta, _fids, wkb, values = pyogrio.raw.read(str(path))
    return meta, shapely.from_wkb(wkb), values


def test_layers_are_deterministic_and_readable_by_ogrinfo(demo, tmp_path):
    first = write_reference_layers(zone_geometry=demo.zone_geometry, directory=tmp_path / "a", seed=2021)
    again = write_reference_layers(zone_geometry=demo.zone_geometry, directory=tmp_path / "b", seed=2021)
    other = write_reference_layers(zone_geometry=demo.zone_geometry, directory=tmp_path / "c", seed=7)
    for kind in ("river", "planned_land_use"):
        a, b, c = (_read(p[kind]) for p in (first, again, other))
        assert all(x.equals_exact(y, 0) for x, y in zip(a[1], b[1])) and list(a[2][0]) == list(b[2][0])
        assert not all(x.equals_exact(y, 1e-9) for x, y in zip(a[1], c[1])) or list(a[2][0]) != list(c[2][0])
        assert a[0]["crs"] == "EPSG:4490"
    ogrinfo = shutil.which("ogrinfo")
    assert ogrinfo, "gdal-bin provides ogrinfo"
    for path, layer, geometry_type in ((first["river"], "river", "Line String"),
                                       (first["planned_land_use"], "planned_land_use", "Multi Polygon")):
        info = subprocess.run([ogrinfo, "-so", "-al", str(path)], capture_output=True, text=True, check=True).stdout
        assert f"Layer name: {layer}" in info and f"Geometry: {geometry_type}" in info and "CGCS2000" in info, info


def test_chemical_park_by_the_river_and_some_parcels_off_plan(demo, tmp_path):
    paths = write_reference_layers(zone_geometry=demo.zone_geometry, directory=tmp_path, seed=2021)
    _meta, river, _values = _read(paths["river"])
    _meta, blocks, values = _read(paths["planned_land_use"])
    parcels = demo.frames["地块"].select("code", "zone")
    geoms = dict(zip(demo.parcel_geometry.get_column("code").to_list(),
                     shapely.from_wkb(demo.parcel_geometry.get_column("wkb").to_list())))
    chemical = [geoms[c] for c in parcels.filter(parcels["zone"] == "SZ-KFQ-HG").get_column("code")]
    gk_river = geometry.transform(river, "EPSG:4490", "EPSG:4549")[0]
    distances = shapely.distance(geometry.transform(chemical, "EPSG:4490", "EPSG:4549"), gk_river)
    assert distances.min() > 20  # the river runs between parks, across no parcel
    assert np.mean(distances <= 1000) > 0.5, np.percentile(distances, [0, 50, 100])
    every = geometry.transform(list(geoms.values()), "EPSG:4490", "EPSG:4549")
    assert shapely.distance(every, gk_river).min() > 20
    shares = planned_use_shares(list(geoms.values()), blocks, values[0], industrial_codes=["1001"])
    off_plan = np.mean(shares < 0.5)
    assert 0.03 < off_plan < 0.2, off_plan  # most comply; some are planned for other uses
    assert not np.isnan(shares).any()


@pytest.mark.django_db
def test_import_demo_layers(demo, tmp_path, actor):
    write_reference_layers(zone_geometry=demo.zone_geometry, directory=tmp_path, seed=2021)
    layers = import_demo_layers(directory=tmp_path, actor=actor, seed=2021)
    assert [layer.code for layer in layers] == ["demo-river", "demo-plan", "demo-roads"]
    plan = ReferenceLayer.objects.get(code="demo-plan")
    assert plan.kind == "planned_land_use" and not plan.verified and "种子 2021" in plan.source
    assert plan.features == plan.feature_rows.count() > 100
    assert set(plan.feature_rows.values_list("land_use_code", flat=True)) >= {"100101", "100102"}
