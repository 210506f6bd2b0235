"""Issue 14 §5: `parkgov governance cases --out FILE.xlsx` and `parkgov governance case-updates FILE --user NAME`
(in process, on the test database)."""

import fastexcel
import pytest
from typer.testing import CliRunner

from parkgov.cli import app
from parkgov.governance.models import Case
from parkgov.testing import cases_world, open_test_case, write_workbook

pytestmark = pytest.mark.django_db


def said(result) -> str:
    """The output without line breaks and spaces: Rich wraps long lines to the terminal and drops the space it
    breaks at (where depends on the length of the temporary folder's path)."""
    return "".join(result.output.split())


@pytest.fixture
def world(tmp_path, actor, settings):
    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    return cases_world()


def test_cases_export_by_operator_and_by_user(world, tmp_path):
    first, second = open_test_case(), open_test_case(parcel_code="SZ-0002")
    runner = CliRunner()
    result = runner.invoke(app, ["governance", "cases", "--out", str(tmp_path / "all.xlsx")])
    assert result.exit_code == 0, result.output
    assert "治理案件2件" in said(result)
    frame = fastexcel.read_excel(str(tmp_path / "all.xlsx")).load_sheet("治理案件").to_polars()
    assert frame["案件编号"].to_list() == [first.number, second.number]
    result = runner.invoke(app, ["governance", "cases", "--out", str(tmp_path / "xw1.xlsx"), "--user", "fire-xw1",
                                 "--department", "消防"])
    assert result.exit_code == 0, result.output
    frame = fastexcel.read_excel(str(tmp_path / "xw1.xlsx")).load_sheet("治理案件").to_polars()
    assert frame["案件编号"].to_list() == [second.number]


def test_case_updates_apply_or_name_the_rows(world, tmp_path):
    case = open_test_case()
    path = write_workbook(tmp_path / "u.xlsx", {"案件进展": [["案件编号", "操作", "说明"], [case.number, "派发", "请办理"]]})
    runner = CliRunner()
    refused = runner.invoke(app, ["governance", "case-updates", str(path), "--user", "ecology"])
    assert refused.exit_code == 1 and "第2行" in said(refused) and "派发" in said(refused)
    assert Case.objects.get(pk=case.pk).state == "to_dispatch"
    done = runner.invoke(app, ["governance", "case-updates", str(path), "--user", "committee"])
    assert done.exit_code == 0 and "已办理1项" in said(done)
    assert Case.objects.get(pk=case.pk).state == "dispatched"
