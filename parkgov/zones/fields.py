"""The fields of a zone land account (standards.md §1.2 categories and the building, money and population totals):
field name, the code formulas use, the 园区土地 sheet header and its unit. One table serves the models, the sheet,
the derivation, the formulas and the pages.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class AccountField:
    """One value of a zone land account."""

    field: str  # model field name
    code: str  # the name formulas use (standards.md §1.2 code, or an English name)
    header: str  # the 园区土地 sheet header without its unit
    unit: str
    label: str  # what it means, in Chinese
    in_sheet: bool = True  # False: derived from the ledger only


def _area(code, label):
    return AccountField(code.lower(), code, code, "公顷", label)


FIELDS = (
    AccountField("total_area", "total_area", "土地总面积", "公顷", gettext_noop("评价范围土地总面积")),
    _area("A1", gettext_noop("住宅用地")), _area("A2", gettext_noop("工矿仓储用地")), _area("A31", gettext_noop("街巷用地")),
   _area("A32", gettext_noop("其他交通运输用地")),
    _area("A4", gettext_noop("商服用地")), _area("A51", gettext_noop("公园与绿地")), _area("A52", gettext_noop("其他公共管理与公共服务用地")),
    _area("A6", gettext_noop("其他城镇建设用地")),
    _area("B11", gettext_noop("已建成农村工矿仓储用地")), _area("B12", gettext_noop("其他已建成农村建设用地")),
    _area("B21", gettext_noop("已达到供地条件的其他土地")), _area("B22", gettext_noop("未达到供地条件的其他土地")),
    _area("C1", gettext_noop("河湖及其蓄滞洪区")), _area("C2", gettext_noop("自然、生态保护区")), _area("C3", gettext_noop("其他不可建设土地")),
    _area("D1", gettext_noop("已供应：划拨")), _area("D21", gettext_noop("已供应：有偿使用且未到期")), _area("D22", gettext_noop("已供应：有偿使用已到期未处置")),
    _area("E1", gettext_noop("尚可划拨")), _area("E21", gettext_noop("尚可供应工矿仓储用地")), _area("E22", gettext_noop("其他尚可有偿使用")),
    _area("G", gettext_noop("闲置土地")),
    AccountField("floor_area", "floor_area", "总建筑面积", "万平方米", gettext_noop("已建成城镇建设用地上的总建筑面积")),
    AccountField("footprint_area", "footprint_area", "建筑基底总面积", "万平方米", gettext_noop("建筑基底总面积")),
    AccountField("industrial_floor_area", "industrial_floor_area", "工矿仓储总建筑面积", "万平方米",
                 gettext_noop("工矿仓储用地上的总建筑面积")),
    AccountField("industrial_footprint_area", "industrial_footprint_area", "工矿仓储建筑基底面积", "万平方米",
                 gettext_noop("工矿仓储建筑（构筑物、堆场）基底面积")),
    AccountField("industrial_investment", "industrial_investment", "工业企业固定资产投资总额", "万元",
                 gettext_noop("工业（工矿仓储）企业固定资产投资总额")),
    AccountField("industrial_tax", "industrial_tax", "工业企业税收总额", "万元", gettext_noop("工业企业税收总额")),
    AccountField("total_tax", "total_tax", "二三产业税收总额", "万元", gettext_noop("第二、三产业税收总额")),
    AccountField("population", "population", "常住人口", "人", gettext_noop("常住人口")),
    AccountField("idle_disposed", "idle_disposed", "已处置闲置土地", "公顷", gettext_noop("本年度已处置的闲置土地（2010 版闲置土地处置率用）")),
    AccountField("industrial_output", "industrial_output", "工业总产值", "万元", gettext_noop("工业企业工业总产值（台账年度数据之和）"),
                 in_sheet=False),
    AccountField("supplied", "supplied", "本年供应土地", "公顷", gettext_noop("本年度供应的土地（台账地块按供地日期）"), in_sheet=False),
)
BY_FIELD = {f.field: f for f in FIELDS}
BY_CODE = {f.code: f for f in FIELDS}
SHEET_FIELDS = tuple(f for f in FIELDS if f.in_sheet)
# the issue's columns end with 常住人口; the columns after it are optional additions
ISSUE_FIELDS = tuple(f for f in SHEET_FIELDS if f.field != "idle_disposed")

# aggregates of standards.md §1.2: a group is the sum of its stated parts (null when none is stated)
GROUPS = {
    "A": ("A1", "A2", "A31", "A32", "A4", "A51", "A52", "A6"),
    "B": ("B11", "B12", "B21", "B22"),
    "C": ("C1", "C2", "C3"),
    "D": ("D1", "D21", "D22"),
    "E": ("E1", "E21", "E22"),
}
GROUP_LABELS = {"A": gettext_noop("已建成城镇建设用地"), "B": gettext_noop("其他土地（B11+B12+B21+B22）"),
                "C": gettext_noop("不可建设土地"), "D": gettext_noop("已供应国有建设用地"), "E": gettext_noop("尚可供应土地")}


def formula_names() -> dict:
    """Every name a formula may use → its unit and Chinese label (fields and the group sums)."""
    names = {f.code: (f.unit, f.label) for f in FIELDS}
    names.update({g: ("公顷", label) for g, label in GROUP_LABELS.items()})
    return names


def display_name(code: str) -> str:
    """How a formula name is shown: the category code (A2, D …) or the Chinese header (总建筑面积 …)."""
    return code if code in GROUPS or code[0].isupper() else BY_CODE[code].header


def unit_of(code: str) -> str:
    return "公顷" if code in GROUPS else BY_CODE[code].unit
