"""Issue 14: the `parkgov governance` commands end to end, as a user runs them: `lists` (§5: generates the year's
lists when none are stored, one sheet per list with the reasons and the 说明 sheet; a year without an evaluation
run is refused in Chinese), `layer import/list` and `dispositions` (§2–3): exit codes, Chinese messages, no
tracebacks."""

import fastexcel
import pytest
import shapely

from parkgov.testing import small_ledger_sheets, uscc, write_layer_file, write_workbook
from tests.test_cli import initialised, run

pytestmark = pytest.mark.django_db(transaction=True)


def test_governance_lists_generates_then_writes_the_workbook(tmp_path):
    initialised(tmp_path)
    write_workbook(tmp_path / "ledger.xlsx", small_ledger_sheets())
    assert run(tmp_path, "import", "ledger.xlsx").returncode == 0
    refused = run(tmp_path, "governance", "lists", "--year", "2025", "--out", "lists.xlsx")
    assert refused.returncode == 1 and "2025年还没有亩均效益评价批次" in refused.stderr.replace("\n", "").replace(" ", "")
    assert not (tmp_path / "lists.xlsx").exists()
    assert run(tmp_path, "evaluate", "--year", "2025", "--ruleset", "zj-huangyan-2022").returncode == 0
    result = run(tmp_path, "governance", "lists", "--year", "2025", "--out", "lists.xlsx")
    assert result.returncode == 0, result.stderr
    assert "已生成" in result.stdout and "已导出 lists.xlsx" in result.stdout
    reader = fastexcel.read_excel(tmp_path / "lists.xlsx")
    assert reader.sheet_names[-1] == "说明"
    notes = reader.load_sheet("说明").to_polars()
    assert notes.height >= len(reader.sheet_names) - 1
    listed = set()
    for name in reader.sheet_names[:-1]:
        sheet = reader.load_sheet(name).to_polars()
        assert sheet.columns[:2] == ["对象编码", "统一社会信用代码"] and "列入理由" in sheet.columns
        listed |= set(sheet["对象编码"].to_list())
        assert all(reason for reason in sheet["列入理由"].to_list())
    assert listed & {uscc(1), uscc(2), uscc(3), "SZ-0001", "SZ-0002", "SZ-0003"}
    again = run(tmp_path, "governance", "lists", "--year", "2025", "--out", "again.xlsx")
    assert again.returncode == 0 and "已生成" not in again.stdout  # stored lists are exported, not regenerated
    zone = run(tmp_path, "governance", "lists", "--year", "2025", "--out", "xw1.xlsx", "--zone", "SZ-XW1")
    assert zone.returncode == 0
    reader = fastexcel.read_excel(tmp_path / "xw1.xlsx")
    for name in reader.sheet_names[:-1]:
        assert set(reader.load_sheet(name).to_polars()["对象编码"].to_list()) <= {uscc(2), "SZ-0002"}
    unknown = run(tmp_path, "governance", "lists", "--year", "2025", "--out", "x.xlsx", "--generate", "--rule", "nope")
    assert unknown.returncode == 1 and "清单规则nope不存在" in unknown.stderr.replace("\n", "").replace(" ", "")
def test_layer_import_list_and_dispositions(tmp_path):
    initialised(tmp_path)
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
