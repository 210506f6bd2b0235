"""The 标准地承诺 sheet: import all-or-nothing with Chinese errors, export and re-import, the shared invariants."""

import datetime as dt

import fastexcel
import pytest

from parkgov.errors import ImportRejected, InputError
from parkgov.ingest.export import export_ledger
from parkgov.ingest.services import import_workbook
from parkgov.ingest.template import write_template
from parkgov.ledger.models import Enterprise, Parcel
from parkgov.supply.contract_rules import ContractRulesError, breach_rules, indicator_set
from parkgov.supply.contracts import check_values, save_contract
from parkgov.supply.models import Contract
from parkgov.testing import small_ledger_sheets, uscc, write_workbook

pytestmark = pytest.mark.django_db(transaction=False)

HEADER = ["地块编码", "合同编号", "统一社会信用代码", "签订日期", "约定动工日期", "约定竣工日期", "约定达产日期",
          "实际动工日期", "实际竣工日期", "投资强度(万元/亩)", "容积率", "建筑系数(%)", "亩均税收(万元/亩)",
          "单位能耗增加值(万元/吨标准煤)", "研发经费占比(%)", "违约规则"]
D = dt.date


def _row(**changes):
    row = dict(zip(HEADER, ["SZ-0001", "BZD-2021-0001", uscc(1), D(2021, 3, 1), D(2021, 9, 1), D(2023, 3, 1),
                            D(2025, 3, 1), D(2021, 8, 20), D(2023, 1, 10), 300, 1.2, 40, 25, 1.5, 3,
                            "shortfall-1pct"]))
    row.update(changes)
    return [row[h] for h in HEADER]


@pytest.fixture
def ledger(tmp_path, actor):
    import_workbook(path=write_workbook(tmp_path / "ledger.xlsx", small_ledger_sheets()), actor=actor)


def _import(tmp_path, actor, *rows, name="c.xlsx"):
    path = write_workbook(tmp_path / name, {"标准地承诺": [HEADER, *rows]})
    return import_workbook(path=path, actor=actor)


def test_sheet_imports_contract_with_its_commitments(tmp_path, actor, ledger):
    report = _import(tmp_path, actor, _row())
    assert report.written["标准地承诺"] == {"created": 1, "updated": 0, "unchanged": 0}
    contract = Contract.objects.get()
    assert contract.parcel.code == "SZ-0001" and contract.enterprise.credit_code == uscc(1)
    assert contract.agreed_production == D(2025, 3, 1) and contract.breach_rule == "shortfall-1pct"
    assert contract.indicators == {"investment_intensity": 300, "plot_ratio": 1.2, "building_coefficient": 40,
                                   "tax_per_mu": 25, "energy_value_added": 1.5, "rd_share": 3}
    assert Contract.history.get().history_type == "+"


def test_blank_indicator_keeps_the_stored_value(tmp_path, actor, ledger):
    _import(tmp_path, actor, _row())
    _import(tmp_path, actor, _row(**{"亩均税收(万元/亩)": 30, "研发经费占比(%)": None}), name="d.xlsx")
    contract = Contract.objects.get()
    assert contract.indicators["tax_per_mu"] == 30 and contract.indicators["rd_share"] == 3


@pytest.mark.parametrize("changes, column, message", [
    ({"地块编码": "SZ-9999"}, "地块编码", "地块编码不存在"),
    ({"统一社会信用代码": "91330683MA2D8X2Y5X"}, "统一社会信用代码", "统一社会信用代码无效"),
    ({"统一社会信用代码": uscc(77)}, "统一社会信用代码", "企业不存在"),
    ({"违约规则": "no-such-rule"}, "违约规则", "不是允许的取值"),
    ({"约定竣工日期": D(2021, 6, 1)}, "约定竣工日期", "约定竣工日期早于约定动工日期"),
    ({"实际竣工日期": D(2021, 8, 1)}, "实际竣工日期", "实际竣工日期早于实际动工日期"),
    ({"约定达产日期": D(2023, 2, 28)}, "约定达产日期", "约定达产日期早于约定竣工日期"),
    ({"亩均税收(万元/亩)": -1}, "亩均税收(万元/亩)", "不在允许范围"),
])
def test_refused_rows_write_nothing_and_name_the_cell(tmp_path, actor, ledger, changes, column, message):
    with pytest.raises(ImportRejected) as caught:
        _import(tmp_path, actor, _row(number="x"), _row(**{"合同编号": "BZD-2", **changes}))
    errors = caught.value.report.issues.errors
    assert any(e.sheet == "标准地承诺" and e.row == 3 and e.column == column and message in e.message
               for e in errors), errors
    value = str(changes[column]) if not isinstance(changes[column], D) else ""
    assert value == "" or any(value in e.value for e in errors)
    assert Contract.objects.count() == 0


def test_export_then_reimport_round_trips(tmp_path, actor, ledger):
    _import(tmp_path, actor, _row(), _row(**{"合同编号": "BZD-2", "地块编码": "SZ-0002", "统一社会信用代码": uscc(2),
                                             "违约规则": "max-shortfall-buyback", "实际竣工日期": None}))
    before = list(Contract.objects.order_by("number").values())
    path = tmp_path / "out.xlsx"
    export_ledger(path=path)
    sheet = fastexcel.read_excel(str(path)).load_sheet("标准地承诺").to_polars()
    assert sheet.height == 2 and "违约规则（规则编号）" in sheet.columns
    report = import_workbook(path=path, actor=actor)
    assert report.written["标准地承诺"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert list(Contract.objects.order_by("number").values()) == before


def test_template_has_the_sheet_with_a_rule_dropdown_and_imports_empty(tmp_path, actor, ledger):
    path = tmp_path / "template.xlsx"
    write_template(path=path, sheet_names=["标准地承诺"])
    sheet = fastexcel.read_excel(str(path)).load_sheet("标准地承诺").to_polars()
    assert sheet.columns[:3] == ["地块编码", "合同编号", "统一社会信用代码"]
    assert sheet.get_column("备注").to_list()[0].startswith("示例")
    import zipfile

    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet3.xml").decode()
    assert "shortfall-1pct" in xml  # the breach-rule dropdown


def test_form_service_applies_the_same_invariants(ledger):
    parcel, firm = Parcel.objects.get(code="SZ-0001"), Enterprise.objects.get(credit_code=uscc(1))
    values = {"number": "F-1", "parcel": parcel, "enterprise": firm, "signed_on": D(2021, 3, 1),
              "agreed_start": D(2021, 9, 1), "agreed_completion": D(2021, 8, 1), "breach_rule": "shortfall-1pct",
              "ind_tax_per_mu": -2}
    assert check_values(values) == {"agreed_completion": "约定竣工日期早于约定动工日期", "ind_tax_per_mu": "不能为负数"}
    with pytest.raises(InputError, match="约定竣工日期早于约定动工日期"):
        save_contract(values=values)
    values.update(agreed_completion=D(2023, 3, 1), ind_tax_per_mu=20, breach_rule="nope")
    with pytest.raises(InputError, match="违约规则「nope」不存在"):
        save_contract(values=values)
    values["breach_rule"] = "shortfall-1pct"
    contract = save_contract(values=values)
    assert contract.indicators == {"tax_per_mu": 20.0}


def test_rule_files_are_validated_with_file_and_path(tmp_path):
    (tmp_path / "bad.yaml").write_text("id: bad\nname: 坏规则\nrate_per_point_pct: 0\ncap_pct: 20\n"
                                       "rectification_days: 30\nrecovery_after: 2\nrecovery: 收回\n"
                                       "source: {citation: 测试来源}\nverified: false\n", encoding="utf-8")
    with pytest.raises(ContractRulesError, match=r"bad.yaml.*\n.*rate_per_point_pct"):
        breach_rules.__wrapped__(tmp_path)
    assert {i.code for i in indicator_set().indicators} >= {"investment_intensity", "tax_per_mu", "rd_share"}
    assert breach_rules()["shortfall-1pct"].verified is False
