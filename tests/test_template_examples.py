"""The template's example rows pass the template's own checks (issue 13: its example credit code failed)."""

import datetime as dt

import fastexcel
import pytest

from parkgov.ingest.reader import EXAMPLE_MARK
from parkgov.ingest.extensions import all_sheets
from parkgov.ingest.services import import_workbook
from parkgov.ingest.template import write_template
from parkgov.testing import write_workbook

pytestmark = pytest.mark.django_db


def _examples_as_data(template, out):
    """The template's sheets with the example mark removed, so the example rows are imported as real rows."""
    reader = fastexcel.read_excel(str(template))
    sheets = {}
    for name in reader.sheet_names:
        if name in ("说明", "代码表"):
            continue
        frame = reader.load_sheet(name).to_polars()
        assert frame.height == 1 and frame.get_column("备注")[0].startswith(EXAMPLE_MARK)
        example = {k: v.date() if isinstance(v, dt.datetime) else v for k, v in frame.row(0, named=True).items()}
        example["备注"] = None
        sheets[name] = [list(example), list(example.values())]
    return write_workbook(out, sheets)


def test_every_example_row_of_the_full_template_is_accepted(tmp_path, actor):
    write_template(path=tmp_path / "t.xlsx")
    report = import_workbook(path=_examples_as_data(tmp_path / "t.xlsx", tmp_path / "e.xlsx"), actor=actor)
    assert report.ok and not report.issues.errors
    assert {name: w["created"] for name, w in report.written.items()} == {s.name: 1 for s in all_sheets() if s.template}  # issue 15: the registered 标准地承诺 too


def test_the_lineage_sheet_is_left_out_of_the_blank_template_unless_asked_for(tmp_path):
    """Issue 17 §2: 地块沿革 is written by splits and merges; its example could not import beside one 地块 row."""
    write_template(path=tmp_path / "t.xlsx")
    assert "地块沿革" not in fastexcel.read_excel(str(tmp_path / "t.xlsx")).sheet_names
    write_template(path=tmp_path / "l.xlsx", sheet_names=["地块沿革"])
    header = fastexcel.read_excel(str(tmp_path / "l.xlsx")).load_sheet("地块沿革").to_polars().columns
    assert header == ["操作编号", "原地块", "新地块", "方式（分割/合并/重新编码）", "日期", "说明", "备注"]


@pytest.mark.parametrize("sheet", [s.name for s in all_sheets() if s.template])
def test_every_sheet_subset_example_is_accepted(tmp_path, actor, sheet):
    """`parkgov template --sheets X`: its example row imports once the rows it refers to exist."""
    write_template(path=tmp_path / "t.xlsx")
    import_workbook(path=_examples_as_data(tmp_path / "t.xlsx", tmp_path / "e.xlsx"), actor=actor)
    write_template(path=tmp_path / "s.xlsx", sheet_names=[sheet])
    report = import_workbook(path=_examples_as_data(tmp_path / "s.xlsx", tmp_path / "se.xlsx"), actor=actor)
    assert report.ok and not report.issues.errors and set(report.written) == {sheet}
