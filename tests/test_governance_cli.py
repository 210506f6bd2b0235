"""Issue 14 §5: `parkgov governance lists` end to end — generates the year's lists when none are stored, writes
one sheet per list with the reasons and the 说明 sheet; a year without an evaluation run is refused in Chinese."""

import fastexcel
import pytest

from parkgov.testing import small_ledger_sheets, uscc, write_workbook
from tests.test_cli import run

pytestmark = pytest.mark.django_db(transaction=True)


def test_governance_lists_generates_then_writes_the_workbook(tmp_path):
    run(tmp_path, "init")
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
