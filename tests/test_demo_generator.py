"""The demo zone generator: shape of the frames, codes, geometry, references, distributions, determinism.

Pure in-memory checks (no database).
"""

import numpy as np
import polars as pl
import pytest
import shapely

from parkgov.codes.parcel_code import format_land_code, parse_land_code
from parkgov.codes.tables import code_table
from parkgov.codes.uscc import check_uscc, make_uscc
from parkgov.demo.generator import DemoData, generate
from parkgov.ingest.issues import IssueList
from parkgov.ingest.reader import RawSheet
from parkgov.ingest.schema import SHEETS, SHEETS_BY_NAME
from parkgov.ingest.validate import check_sheet
from parkgov.ledger import geometry

SHEET_NAMES = ["园区", "企业", "地块", "用地关系", "年度数据", "检查发现", "地块沿革"]  # 地块沿革 empty (issue 17 §2)
KIND_DTYPES = {"date": pl.Date, "float": pl.Float64, "int": pl.Int64}


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate()


@pytest.fixture(scope="module")
def frames(demo):
    return demo.frames


def _geoms(frame):
    return shapely.from_wkb(frame.get_column("wkb").to_numpy())


def test_frames_follow_the_exchange_schema(frames):
    assert list(frames) == SHEET_NAMES
    for sheet in SHEETS:
        frame = frames[sheet.name]
        assert frame.columns == [c.field for c in sheet.columns], sheet.name
        for column in sheet.columns:
            expected = KIND_DTYPES.get(column.kind, pl.String)
            assert frame.schema[column.field] == expected, (sheet.name, column.field)
            if column.required:
                assert frame.get_column(column.field).null_count() == 0, (sheet.name, column.field)
        key = list(sheet.key)
        assert frame.select(key).is_duplicated().sum() == 0, f"{sheet.name}: natural key {key} not unique"


def test_every_sheet_passes_the_importers_sheet_checks(frames):
    """Written out as text (as a workbook would be), each sheet passes validate.check_sheet without errors."""
    for name, frame in frames.items():
        spec = SHEETS_BY_NAME[name]
        text = frame.with_columns(pl.all().cast(pl.String)).with_row_index("__row", offset=2) \
            .with_columns(pl.col("__row").cast(pl.Int64))
        raw = RawSheet(spec=spec, title=name, frame=text, headers={c.field: c.header for c in spec.columns})
        issues = IssueList()
        typed = check_sheet(raw, issues)
        assert not issues.errors, (name, [i.describe() for i in issues.errors[:5]])
        assert not issues.warnings, (name, [i.describe() for i in issues.warnings[:5]])
        for column in spec.columns:  # nothing lost in the round trip through text
            assert typed.get_column(column.field).null_count() == frame.get_column(column.field).null_count()


def test_same_seed_same_output_different_seed_differs():
    a, b, c = generate(enterprises=400, seed=7), generate(enterprises=400, seed=7), generate(enterprises=400, seed=8)
    for name in SHEET_NAMES:
        assert a.frames[name].equals(b.frames[name]), name
    assert a.parcel_geometry.equals(b.parcel_geometry) and a.zone_geometry.equals(b.zone_geometry)
    assert not a.frames["企业"].equals(c.frames["企业"])
    assert not a.frames["年度数据"].equals(c.frames["年度数据"])
    assert not a.parcel_geometry.equals(c.parcel_geometry)


def test_row_counts_scale_with_enterprises():
    small, large = generate(enterprises=300), generate(enterprises=3000)
    for demo, n in ((small, 300), (large, 3000)):
        f = demo.frames
        assert f["企业"].height == n
        assert f["园区"].height == 9
        assert f["地块"].height == round(n * 5 / 3) == demo.parcel_geometry.height
        assert 2.8 * n <= f["年度数据"].height <= 3 * n
        assert f["用地关系"].height >= f["地块"].filter(pl.col("supply_status") != "approved_not_supplied").height * 0.9
        assert 0.06 * n <= f["检查发现"].filter(pl.col("enterprise").is_not_null())["enterprise"].n_unique() <= 0.1 * n
    assert small.zone_geometry.height == large.zone_geometry.height == 9


def test_credit_codes_valid_unique_and_as_built_by_make_uscc(frames):
    codes = frames["企业"].get_column("credit_code")
    assert codes.is_unique().all()
    for code in codes.to_list():
        result = check_uscc(code)
        assert result.ok and not result.warnings and result.code == code, (code, result.errors, result.warnings)
    for code in codes.head(50).to_list():
        assert make_uscc(code[0], code[1], code[2:8], code[8:16]) == code
    assert codes.str.starts_with("91330683").all()


def test_company_names_are_unique_and_local(frames):
    names = frames["企业"].get_column("name")
    assert names.is_unique().all()
    assert names.str.ends_with("公司").all()
    assert names.str.starts_with("嵊州").mean() > 0.7


def test_land_codes_parse_unique_and_match_ownership(frames):
    parcels = frames["地块"]
    coded = parcels.filter(pl.col("land_code").is_not_null())
    assert 0.80 <= coded.height / parcels.height <= 0.90
    assert coded.get_column("land_code").is_unique().all()
    for code, ownership in coded.select("land_code", "ownership").iter_rows():
        parsed = parse_land_code(code)
        assert parsed.land_code == code and parsed.division == "330683"
        assert parsed.ownership == ownership
        assert format_land_code(division=parsed.division, district=int(parsed.cadastral_district),
                                subdistrict=int(parsed.cadastral_subdistrict),
                                feature=parsed.ownership_letter + parsed.right_letter,
                                sequence=int(parsed.sequence)) == code
    collective = parcels.filter(pl.col("ownership") == "collective").height / parcels.height
    assert 0.03 <= collective <= 0.10


def test_choice_values_and_code_tables(frames):
    for sheet in SHEETS:
        frame = frames[sheet.name]
        for column in sheet.columns:
            values = set(frame.get_column(column.field).drop_nulls().unique().to_list())
            if column.choices is not None:
                assert values <= set(column.choices.values), (sheet.name, column.field, values)
            elif column.kind == "industry":
                table = code_table("gbt4754_2017")
                assert all(v in table and table.get(v).level == "class" for v in values), values
            elif column.kind == "land_use":
                assert values <= set(code_table("land_use_2023").codes()), values
            elif column.kind == "department":
                assert values <= set(code_table("departments").codes()), values
            elif column.kind == "division":
                assert values == {"330683"}
    statuses = set(frames["地块"].get_column("supply_status").unique())
    assert {"in_use", "idle", "supplied_not_used", "approved_not_supplied"} <= statuses


def test_references_resolve(frames):
    zones = set(frames["园区"]["code"])
    firms = set(frames["企业"]["credit_code"])
    parcels = set(frames["地块"]["code"])
    assert set(frames["园区"]["parent"].drop_nulls()) <= zones
    assert set(frames["企业"]["zone"]) <= zones
    assert set(frames["地块"]["zone"]) <= zones
    for name in ("用地关系", "年度数据", "检查发现"):
        assert set(frames[name]["enterprise"].drop_nulls()) <= firms, name
    for name in ("用地关系", "检查发现"):
        assert set(frames[name]["parcel"].drop_nulls()) <= parcels, name
    findings = frames["检查发现"]
    assert findings.filter(pl.col("enterprise").is_null() & pl.col("parcel").is_null()).height == 0
    assert findings.filter(pl.col("enterprise").is_null()).height > 0  # parcel-only findings exist


def test_zone_structure(frames):
    zones = frames["园区"]
    kinds = dict(zones.select("code", "kind").iter_rows())
    assert list(kinds.values()).count("development_zone") == 1
    assert list(kinds.values()).count("small_firm_park") == 2
    assert list(kinds.values()).count("cluster_point") == 2
    assert "城北化工园区" in "".join(zones["name"])
    root = next(c for c, k in kinds.items() if k == "development_zone")
    assert zones.filter(pl.col("code") != root)["parent"].to_list() == [root] * (zones.height - 1)


def test_land_links_are_consistent(frames):
    parcels = frames["地块"]
    links = frames["用地关系"]
    holders = links.filter(pl.col("role") == "holder").group_by("parcel").len()
    occupied = parcels.filter(pl.col("supply_status").is_in(["in_use", "idle", "supplied_not_used"]))
    joined = occupied.join(holders, left_on="code", right_on="parcel", how="left")
    assert (joined["len"] == 1).all()  # exactly one holder per supplied parcel
    unsupplied = parcels.filter(pl.col("supply_status") == "approved_not_supplied")
    assert unsupplied["supply_date"].null_count() == unsupplied.height
    assert links.filter(pl.col("parcel").is_in(unsupplied["code"].implode())).height == 0
    dated = links.join(parcels.select("code", "supply_date"), left_on="parcel", right_on="code")
    assert dated.filter(pl.col("start_date") < pl.col("supply_date")).height == 0
    assert links.filter(pl.col("end_date") < pl.col("start_date")).height == 0
    firms = frames["企业"].height
    tenants = links.filter(pl.col("role") != "holder")["enterprise"].n_unique()
    assert 0.10 <= tenants / firms <= 0.20
    assert links.filter(pl.col("role") == "subtenant").height > 0
    per_holder = links.filter(pl.col("role") == "holder").group_by("enterprise").len()
    assert per_holder["len"].max() >= 3


def test_tax_per_mu_has_a_long_low_tail(frames):
    land = frames["用地关系"].filter(pl.col("role") == "holder").group_by("enterprise") \
        .agg((pl.col("land_area_m2").sum() * 15 / 10000).alias("mu"))
    yearly = frames["年度数据"].filter(pl.col("year") == 2025).join(land, on="enterprise")
    per_mu = (yearly["tax"] / yearly["mu"]).to_numpy()
    assert 0.10 <= (per_mu < 5).mean() <= 0.35
    assert 0.05 <= ((per_mu >= 5) & (per_mu < 10)).mean() <= 0.30
    assert (per_mu >= 15).mean() >= 0.30
    scale = yearly.join(frames["企业"].select("credit_code", "scale"), left_on="enterprise", right_on="credit_code")
    above = scale.filter(pl.col("scale") == "above")
    below = scale.filter(pl.col("scale") == "below")
    assert np.median(above["tax"] / above["mu"]) > 2 * np.median(below["tax"] / below["mu"])
    assert 0.18 <= (frames["企业"]["scale"] == "above").mean() <= 0.32


def test_yearly_figures_are_plausible_with_a_few_oddities(frames):
    yearly = frames["年度数据"]
    assert set(yearly["year"]) == {2023, 2024, 2025}
    producing = yearly.filter(pl.col("revenue") > 0)
    ratio = producing["tax"] / producing["revenue"]
    assert ((ratio >= 0.015) & (ratio <= 0.09)).mean() > 0.97
    assert 1 <= producing.filter(pl.col("tax") > pl.col("revenue")).height <= 10
    va = producing["value_added"] / producing["output_value"]
    assert ((va >= 0.15) & (va <= 0.35)).mean() > 0.97
    assert 0.005 < yearly["energy_tce"].null_count() / yearly.height < 0.05
    # year-on-year correlation
    wide = yearly.pivot(on="year", index="enterprise", values="revenue").drop_nulls()
    assert np.corrcoef(np.log1p(wide["2024"]), np.log1p(wide["2025"]))[0, 1] > 0.9


def test_parcel_ratios_mostly_realistic(frames):
    in_use = frames["地块"].filter((pl.col("supply_status") == "in_use") & pl.col("floor_area_m2").is_not_null())
    area = in_use["registered_area_m2"]
    plot_ratio = in_use["floor_area_m2"] / area
    coefficient = in_use["footprint_area_m2"] / area
    admin = in_use["admin_area_m2"] / area
    assert ((plot_ratio >= 0.6) & (plot_ratio <= 2.5)).mean() > 0.85
    assert ((coefficient >= 0.3) & (coefficient <= 0.7)).mean() > 0.9
    assert 0.01 < (admin > 0.07).mean() < 0.1
    mu = frames["地块"]["registered_area_m2"] * 15 / 10000
    assert 2 < mu.median() < 20 and mu.quantile(0.95) > 20


def test_geometries_valid_inside_zone_and_not_overlapping(demo, frames):
    parcels = _geoms(demo.parcel_geometry)
    zones = _geoms(demo.zone_geometry)
    assert demo.parcel_geometry["code"].to_list() == frames["地块"]["code"].to_list()
    assert demo.zone_geometry["code"].to_list() == frames["园区"]["code"].to_list()
    for geoms in (parcels, zones):
        assert (shapely.get_type_id(geoms) == 3).all()  # Polygon
        assert shapely.is_valid(geoms).all()
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
        assert 119.8 < xmin and xmax < 121.8 and 28.6 < ymin and ymax < 30.6
    index = {c: i for i, c in enumerate(demo.zone_geometry["code"])}
    owner = zones[[index[c] for c in frames["地块"]["zone"]]]
    assert shapely.contains(owner, parcels).all()
    left, right = shapely.STRtree(parcels).query(parcels, predicate="overlaps")
    assert (left != right).sum() == 0
    # zones of the same level do not overlap; the 区中园 lie inside the development zone
    kinds = frames["园区"]["kind"].to_list()
    root = kinds.index("development_zone")
    for i, j in zip(*shapely.STRtree(zones).query(zones, predicate="intersects")):
        if i < j:
            assert root in (i, j), (kinds[i], kinds[j])
    parks = [i for i, k in enumerate(kinds) if k == "park_in_zone"]
    assert shapely.contains(zones[root], zones[parks]).all()


def test_registered_areas_close_to_polygon_areas(demo, frames):
    computed = geometry.projected_areas(_geoms(demo.parcel_geometry))
    registered = frames["地块"]["registered_area_m2"].to_numpy()
    rel = np.abs(registered - computed) / computed
    assert (rel <= 0.021).mean() > 0.93
    assert 0.01 < (rel > 0.05).mean() < 0.08
    assert rel.max() < 0.17


def test_findings_spread_over_departments(frames):
    findings = frames["检查发现"]
    assert {"ecology", "emergency", "fire", "enforcement", "market"} <= set(findings["department"])
    severity = findings["severity"].value_counts(normalize=True)
    share = dict(severity.iter_rows())
    assert share["minor"] > share["serious"] > share["major"] > 0
    assert findings["found_on"].min().year >= 2023 and findings["found_on"].max().year <= 2025
    per_firm = findings.filter(pl.col("enterprise").is_not_null()).group_by("enterprise").len()["len"]
    assert per_firm.min() >= 1 and per_firm.max() <= 3


def test_small_run_works():
    demo = generate(enterprises=5, seed=1)
    assert demo.frames["企业"].height == 5
    assert shapely.is_valid(_geoms(demo.zone_geometry)).all()
