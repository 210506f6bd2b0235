"""The canonical exchange workbook: sheets, columns, units, aliases and natural keys (ARCHITECTURE.md).

One definition serves the template, the importer, the error workbook and the exporter.
"""

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from parkgov.ledger import choices


class YesNo(models.TextChoices):
    """A yes/no cell (stored as a nullable boolean): 是 / 否, blank = not stated."""

    YES = "yes", _("是")
    NO = "no", _("否")


@dataclass(frozen=True)
class Column:
    """One column of a sheet: model field, Chinese header (with unit), kind and constraints."""

    field: str
    header: str
    kind: str  # text, int, float, date, choice, uscc, land_code, industry, land_use, division, department, ref
    required: bool = False
    unit: str = ""
    note: str = ""
    aliases: tuple = ()
    choices: type | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    example: str = ""
    help: str = ""

    @property
    def name(self) -> str:
        """The header without its unit."""
        return self.header.split("（")[0]


@dataclass(frozen=True)
class Sheet:
    """One sheet of the exchange workbook and the natural key its rows are upserted on."""

    name: str
    columns: tuple
    key: tuple
    help: str = ""
    aliases: tuple = field(default=())
    # in the blank template unless asked for by name: False for a sheet the system writes (地块沿革), whose example
    # row could only import beside parcels already split or merged
    template: bool = True

    def column(self, field_name) -> Column:
        return next(c for c in self.columns if c.field == field_name)


AREA = {"unit": "平方米", "kind": "float", "minimum": 0}
MONEY = {"unit": "万元", "kind": "float"}

ZONES = Sheet(
    name="园区",
    key=("code",),
    help="开发区及其区中园、小微企业园、工业集聚点。上级园区须在本表或系统中已存在。",
    columns=(
        Column("code", "园区编码", "text", required=True, max_length=32, example="SZ-KFQ",
               aliases=("园区代码", "编码")),
        Column("name", "园区名称", "text", required=True, max_length=128, example="嵊州经济开发区",
               aliases=("名称",)),
        Column("parent", "上级园区编码", "ref", max_length=32, example="", aliases=("上级园区", "上级编码")),
        Column("kind", "类型", "choice", required=True, choices=choices.ZoneKind, example="开发区",
               aliases=("园区类型",)),
        Column("division_code", "行政区划代码", "division", max_length=6, example="330683",
               aliases=("区划代码",)),
        Column("level", "级别", "text", max_length=32, example="省级", aliases=("园区级别",)),
    ),
)

ENTERPRISES = Sheet(
    name="企业",
    key=("credit_code",),
    help="企业以统一社会信用代码（GB 32100，18位，含校验码）唯一标识。",
    columns=(
        Column("credit_code", "统一社会信用代码", "uscc", required=True, example="91330683MA2D8X2Y5L",
               aliases=("社会信用代码", "信用代码", "统一代码", "企业统一社会信用代码")),
        Column("name", "企业名称", "text", required=True, max_length=200, example="嵊州市某某厨具有限公司",
               aliases=("企业", "单位名称", "名称")),
        Column("industry_code", "行业代码", "industry", note="GB/T 4754-2017", example="3854",
               aliases=("国民经济行业代码", "行业分类代码")),
        Column("scale", "规模", "choice", required=True, choices=choices.Scale, example="规上",
               aliases=("企业规模", "规上规下")),
        Column("zone", "所属园区编码", "ref", required=True, max_length=32, example="SZ-KFQ",
               aliases=("园区编码", "所属园区")),
        Column("status", "登记状态", "choice", choices=choices.EnterpriseStatus, example="存续",
               aliases=("经营状态", "企业状态")),
        Column("production_start", "投产日期", "date", example="2015-06-01", aliases=("投产时间",)),
    ),
)

PARCELS = Sheet(
    name="地块",
    key=("code",),
    help="每宗工业用地一个地块编码；登记后填写19位宗地代码（GB/T 37346），也可填28位不动产单元代码。",
    columns=(
        Column("code", "地块编码", "text", required=True, max_length=40, example="SZ-0001",
               aliases=("地块号", "地块代码")),
        Column("land_code", "宗地代码", "land_code", example="330683001002GB00012",
               aliases=("宗地号", "不动产单元代码", "不动产单元号")),
        Column("zone", "所属园区编码", "ref", required=True, max_length=32, example="SZ-KFQ",
               aliases=("园区编码", "所属园区")),
        Column("registered_area_m2", "土地面积", required=True, example="20000", aliases=("宗地面积", "用地面积"),
               **AREA),
        Column("land_use_code", "用地分类", "land_use", note="用地用海分类代码", example="100101",
               aliases=("用地用海分类", "土地用途", "用地分类代码")),
        Column("ownership", "土地权属", "choice", required=True, choices=choices.Ownership, example="国有",
               aliases=("权属", "土地所有权")),
        Column("supply_status", "供地状态", "choice", required=True, choices=choices.SupplyStatus,
               example="已供已用", aliases=("供应状态",)),
        Column("supply_method", "供地方式", "choice", choices=choices.SupplyMethod, example="出让",
               aliases=("供应方式",)),
        Column("supply_date", "供地日期", "date", example="2012-03-15", aliases=("供应日期", "出让日期")),
        Column("term_years", "出让年限", "float", unit="年", minimum=0, maximum=70, example="50",
               aliases=("使用年限",)),
        Column("land_price", "土地价款", example="1200", minimum=0, aliases=("出让价款",), **MONEY),
        Column("floor_area_m2", "总建筑面积", example="24000", aliases=("建筑面积",), **AREA),
        Column("footprint_area_m2", "建筑基底面积", example="9000", aliases=("基底面积", "建筑占地面积"), **AREA),
        Column("admin_area_m2", "行政办公及生活设施用地面积", example="800",
               aliases=("行政办公及生活服务设施用地面积", "行政办公面积"), **AREA),
        Column("green_area_m2", "绿地面积", example="1500", **AREA),
        Column("building_year", "建成年份", "int", minimum=1949, maximum=2100, example="2012",
               aliases=("建成年代", "竣工年份", "房屋建成年份")),
        Column("building_quality", "房屋质量", "choice", choices=choices.BuildingQuality, example="良好",
               aliases=("房屋质量等级", "建筑质量")),
        Column("land_procedures", "用地手续", "choice", choices=choices.LandProcedures, example="手续完备",
               aliases=("用地手续情况", "土地手续")),
        # written by a split or merge (issue 17 §2); exported so that an ended parcel goes round as ended, read only
        # for a parcel the ledger does not hold yet (an existing parcel's dates cannot be changed by an import)
        Column("started_on", "启用日期", "date", example="",
               help="由分割或合并生成的地块的启用日期；由系统填写，导入时只用于新建地块"),
        Column("ended_on", "灭失日期", "date", example="",
               help="因分割或合并灭失的地块的灭失日期；由系统填写，导入时只用于新建地块，已有地块不能通过导入修改"),
        Column("code_provisional", "临时编码", "choice", choices=YesNo, example="否", aliases=("临时代码",),
               help="分割或合并生成、宗地代码尚未登记的地块为“是”；留空：新建地块为“否”，已有地块保持不变"),
    ),
)

LINKS = Sheet(
    name="用地关系",
    key=("enterprise", "parcel", "role"),
    help="企业与地块的关系：土地使用权人、承租或转租，附面积与期限。",
    columns=(
        Column("enterprise", "统一社会信用代码", "uscc", required=True, example="91330683MA2D8X2Y5L",
               aliases=("社会信用代码", "信用代码")),
        Column("parcel", "地块编码", "ref", required=True, max_length=40, example="SZ-0001", aliases=("地块号",)),
        Column("role", "关系", "choice", required=True, choices=choices.LinkRole, example="土地使用权人",
               aliases=("用地关系", "关系类型")),
        Column("land_area_m2", "面积", example="20000", aliases=("用地面积", "土地面积"), **AREA),
        Column("floor_area_m2", "建筑面积", example="", aliases=("租用建筑面积",), **AREA),
        Column("start_date", "起始日期", "date", example="2012-03-15", aliases=("开始日期",)),
        Column("end_date", "终止日期", "date", example="", aliases=("结束日期", "到期日期")),
    ),
)

YEARLY = Sheet(
    name="年度数据",
    key=("enterprise", "year"),
    help="每家企业每年一行；只填本部门负责的列即可，空白单元格表示不修改已有数值。",
    columns=(
        Column("enterprise", "统一社会信用代码", "uscc", required=True, example="91330683MA2D8X2Y5L",
               aliases=("社会信用代码", "信用代码")),
        Column("year", "年度", "int", required=True, minimum=2000, maximum=2100, example="2025",
               aliases=("年份", "统计年度")),
        Column("tax", "评价税收", example="85.6", aliases=("税收", "实缴税金", "税收实际贡献"), **MONEY),
        Column("revenue", "营业收入", example="3200", minimum=0, aliases=("营收", "主营业务收入"), **MONEY),
        Column("output_value", "工业总产值", example="3100", minimum=0, aliases=("总产值",), **MONEY),
        Column("value_added", "工业增加值", example="650", aliases=("增加值",), **MONEY),
        Column("energy_tce", "综合能耗", "float", unit="吨标准煤", minimum=0, example="420",
               aliases=("能耗", "综合能源消费量")),
        Column("electricity_10k_kwh", "用电量", "float", unit="万千瓦时", minimum=0, example="260",
               aliases=("用电", "工业用电量")),
        Column("water_10k_t", "用水量", "float", unit="万吨", minimum=0, example="3.2", aliases=("用水",)),
        Column("emissions_t", "主要污染物排放量", "float", unit="吨", minimum=0, example="1.8",
               aliases=("排放量", "污染物排放量")),
        Column("rd_expense", "研发经费支出", example="95", minimum=0, aliases=("研发经费", "R&D经费支出"), **MONEY),
        Column("employees", "年平均职工人数", "float", unit="人", minimum=0, example="120",
               aliases=("职工人数", "从业人员", "年平均从业人员")),
        Column("fixed_investment", "固定资产投资", example="300", minimum=0, aliases=("固投",), **MONEY),
    ),
)

FINDINGS = Sheet(
    name="检查发现",
    key=("enterprise", "parcel", "department", "category", "found_on", "description"),
    help="各部门检查发现的问题；企业与地块至少填一项。",
    columns=(
        Column("enterprise", "统一社会信用代码", "uscc", example="91330683MA2D8X2Y5L",
               aliases=("社会信用代码", "信用代码")),
        Column("parcel", "地块编码", "ref", max_length=40, example="", aliases=("地块号",)),
        Column("department", "部门", "department", required=True, example="生态环境", aliases=("检查部门",)),
        Column("category", "类别", "choice", required=True, choices=choices.FindingCategory, example="环保",
               aliases=("问题类别",)),
        Column("severity", "严重程度", "choice", required=True, choices=choices.Severity, example="一般",
               aliases=("等级",)),
        Column("found_on", "发现日期", "date", required=True, example="2025-05-20", aliases=("检查日期",)),
        Column("description", "描述", "text", max_length=2000, example="危废暂存间标识不全",
               aliases=("问题描述", "内容")),
        Column("status", "状态", "choice", choices=choices.FindingStatus, example="待整改",
               aliases=("整改状态",)),
        Column("legal_basis", "法律依据", "text", max_length=2000,
               example="《中华人民共和国固体废物污染环境防治法》第七十七条", aliases=("依据", "法律法规依据", "处罚依据")),
        Column("deadline", "整改期限", "date", example="2025-08-31", aliases=("整改时限", "整改截止日期", "限期")),
        Column("rectifiable", "可整改", "choice", choices=YesNo, example="是", aliases=("可整改达标", "能否整改达标")),
        Column("closed_on", "销号日期", "date", example="", aliases=("销号时间", "整改完成日期"),
               help="状态为已销号时填写"),
    ),
)

LINEAGE = Sheet(
    name="地块沿革",
    key=("operation_id", "parent_parcel", "child_parcel"),
    template=False,
    help="地块分割、合并的记录：每条“原地块 → 新地块”一行，同一次操作的各行操作编号、方式和日期相同。"
         "由系统在分割、合并时写入；导出后导入到空数据库可恢复沿革。日期须等于原地块的灭失日期和新地块的启用日期。",
    columns=(
        Column("operation_id", "操作编号", "text", required=True, max_length=40, example="SPLIT-20240701-1a2b3c4d",
               aliases=("操作号",)),
        Column("parent_parcel", "原地块", "ref", required=True, max_length=40, example="SZ-0001",
               aliases=("原地块编码",)),
        Column("child_parcel", "新地块", "ref", required=True, max_length=40, example="SZ-0001-1",
               aliases=("新地块编码",)),
        Column("operation", "方式", "choice", required=True, choices=choices.LineageOperation, example="分割",
               aliases=("操作", "操作方式")),
        Column("effective_date", "日期", "date", required=True, example="2024-07-01", aliases=("生效日期",)),
        Column("note", "说明", "text", max_length=2000, example=""),
    ),
)

SHEETS = (ZONES, ENTERPRISES, PARCELS, LINKS, YEARLY, FINDINGS, LINEAGE)
SHEETS_BY_NAME = {s.name: s for s in SHEETS}


def header_of(column: Column) -> str:
    """The canonical header text: 土地面积（平方米）, 土地权属（国有/集体）, 行业代码（GB/T 4754-2017）."""
    suffix = column.unit or column.note
    if not suffix and column.choices is not None and len(column.choices.choices) <= 6:
        suffix = "/".join(str(label) for _value, label in column.choices.choices)
    return f"{column.header}（{suffix}）" if suffix else column.header
