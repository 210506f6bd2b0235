"""Issue 14 §2–3: `parkgov governance layer import/list` and `parkgov governance dispositions` end to end, as a
user runs them: exit codes, Chinese messages, no tracebacks."""

import pytest
import shapely

from parkgov.testing import small_ledger_sheets, write_layer_file, write_workbook
from tests.test_cli import run

pytestmark = pytest.mark.django_db(transaction=True)


def test_layer_import_list_and_dispositions(tmp_path):
    assert run(tmp_path, "init").returncode == 0
    assert run(tmp_path, "import", str(write_workbook(tmp_path / "l.xlsx", small_ledger_sheets()))).returncode == 0
    plan = write_layer_file(tmp_path / "plan.gpkg", [shapely.box(120.79, 29.59, 120.81, 29.61)],
                            {"用地用海分类": ["100101"]})
    done = run(tmp_path, "governance", "layer", "import", str(plan), "--code", "plan", "--name", "规划用地",
               "--kind", "planned_land_use", "--source", "嵊州市国土空间总体规划（2021—2035年）", "--verified")
    assert done.returncode == 0, done.stderr
    assert "已导入参考图层「规划用地」（plan）：1 个要素，来自 plan.gpkg" in done.stdout
    listing = run(tmp_path, "governance", "layer", "list")
    assert listing.returncode == 0 and "规划用地" in listing.stdout and "国土空间规划用地" in listing.stdout
    bad = write_layer_file(tmp_path / "bad.gpkg", [shapely.box(120.79, 29.59, 120.81, 29.61)], {"用地用海分类": ["12x"]})
    refused = run(tmp_path, "governance", "layer", "import", str(bad), "--code", "plan", "--name", "规划用地",
                  "--kind", "planned_land_use", "--source", "嵊州市国土空间总体规划（2021—2035年）")
    assert refused.returncode == 1 and "bad.gpkg 图层「bad」第1个要素「用地用海分类」：值“12x”" in refused.stderr
    kept = run(tmp_path, "governance", "layer", "list").stdout
    assert "plan.gpkg" in kept and "bad.gpkg" not in kept  # the layer as it was
    kind = run(tmp_path, "governance", "layer", "import", str(plan), "--code", "p2", "--name", "x", "--kind", "lake",
               "--source", "某某来源")
    assert kind.returncode == 1 and "图层类型“lake”无效" in kind.stderr
    none = run(tmp_path, "governance", "dispositions", "--year", "2025")
    assert none.returncode == 0 and "2025 年还没有清单" in none.stdout
    assert run(tmp_path, "evaluate", "--year", "2025", "--ruleset", "zj-huangyan-2022").returncode == 0
    lists = run(tmp_path, "governance", "lists", "--year", "2025", "--out", str(tmp_path / "l.xlsx"), "--generate")
    assert lists.returncode == 0, lists.stderr
    suggested = run(tmp_path, "governance", "dispositions", "--year", "2025")
    assert suggested.returncode == 0, suggested.stderr
    assert "已按 2025 年清单为" in suggested.stdout and "嵊州市工业全域治理“四个一批”判定标准（2021）" in suggested.stdout
