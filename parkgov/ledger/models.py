"""The ledger (一码管地): zones, parcels and their lineage, enterprises, land links, yearly figures, findings.

Geometry is WKB in CGCS2000 (EPSG:4490) with bounding-box columns; on PostgreSQL a migration adds a PostGIS
column derived from it. Areas are m²; money is 万元. Every model keeps its history (django-simple-history).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext, gettext_lazy as _
from simple_history.models import HistoricalRecords

from parkgov.audit.context import history_user
from parkgov.ledger import choices
from parkgov.units import square_metres_to_mu


def _history():
    """History for a ledger table. Its user column has no database constraint: the ledger's tables are written in
    bulk (an import's 200,000 history rows all name the one importing user), and PostgreSQL checked the same user
    row once per history row at commit (0.8 s of server time per 200,000 rows, bench/import_yearly.py). Deleting a
    user through Django still sets the column to null (on_delete=SET_NULL is Django's, not the database's)."""
    return HistoricalRecords(get_user=history_user, inherit=False, user_db_constraint=False)


class GeometryMixin(models.Model):
    """WKB geometry in EPSG:4490 with its bounding box (filled by `parkgov.ledger.geometry`)."""

    geometry = models.BinaryField(_("几何（WKB, EPSG:4490）"), null=True, blank=True, editable=False)
    min_x = models.FloatField(null=True, blank=True, editable=False)
    min_y = models.FloatField(null=True, blank=True, editable=False)
    max_x = models.FloatField(null=True, blank=True, editable=False)
    max_y = models.FloatField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class Zone(GeometryMixin):
    """A development zone (开发区) or a park inside it (区中园, 小微企业园, 工业集聚点)."""

    code = models.CharField(_("园区编码"), max_length=32, unique=True)
    name = models.CharField(_("园区名称"), max_length=128)
    parent = models.ForeignKey("self", verbose_name=_("上级园区"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    kind = models.CharField(_("类型"), max_length=24, choices=choices.ZoneKind.choices)
    division_code = models.CharField(_("行政区划代码"), max_length=6, blank=True)
    level = models.CharField(_("级别"), max_length=32, blank=True)
    history = _history()

    class Meta:
        verbose_name = _("园区")
        verbose_name_plural = _("园区")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        if self.parent_id and self.kind == choices.ZoneKind.DEVELOPMENT_ZONE:
            raise ValidationError({"kind": _("开发区不能有上级园区")})
        if self.parent_id and self.pk is not None and self.pk in self.ancestor_ids(self.parent_id):
            raise ValidationError({"parent": ValidationError(
                _("上级园区 %(parent)s 是园区 %(zone)s 本身或其下级园区，会形成循环"), code="cycle",
                params={"parent": self.parent.code, "zone": self.code})})

    @staticmethod
    def ancestor_ids(zone_id) -> list:
        """`zone_id` and the parks above it as stored, nearest first (stops at a loop already in the data)."""
        found = []
        while zone_id is not None and zone_id not in found:
            found.append(zone_id)
            zone_id = Zone.objects.filter(pk=zone_id).values_list("parent_id", flat=True).first()
        return found


class ParcelQuerySet(models.QuerySet):
    """Parcels; `current()` is what every view of the ledger as it is today reads (issue 17 §2)."""

    def current(self):
        """Parcels not ended by a split or merge (the tiles, topology checks and overview use the same rule)."""
        return self.filter(ended_on=None)

    def ended(self):
        """Parcels ended by a split or merge: kept for their history, the dossier and the as-of views."""
        return self.exclude(ended_on=None)

    def in_state(self, state: str):
        """`current()`, `ended()` or all parcels for a list's 状态 filter (`PARCEL_STATES`)."""
        if state not in PARCEL_STATES:
            raise ValueError(f"地块状态 {state!r} 无效；允许：{'、'.join(PARCEL_STATES)}")
        return {"current": self.current, "ended": self.ended, "all": self.all}[state]()


PARCEL_STATES = ("current", "ended", "all")


class Parcel(GeometryMixin):
    """An industrial parcel under one ledger code (地块编码) and, once registered, its 宗地代码."""

    code = models.CharField(_("地块编码"), max_length=40, unique=True)
    land_code = models.CharField(_("宗地代码"), max_length=19, unique=True, null=True, blank=True)
    unit_code_suffix = models.CharField(_("定着物单元代码"), max_length=9, blank=True)
    zone = models.ForeignKey(Zone, verbose_name=_("所属园区"), on_delete=models.PROTECT, related_name="parcels")
    registered_area_m2 = models.FloatField(_("土地面积（平方米）"))
    computed_area_m2 = models.FloatField(_("图形面积（平方米）"), null=True, blank=True, editable=False)
    # kept with the geometry (`ledger.services.geometry_columns`) so the topology check need not decode every parcel
    computed_perimeter_m = models.FloatField(_("图形周长（米）"), null=True, blank=True, editable=False)
    geometry_problem = models.CharField(_("图形无效原因"), max_length=255, blank=True, editable=False)
    land_use_code = models.CharField(_("用地分类"), max_length=6, blank=True)
    ownership = models.CharField(_("土地权属"), max_length=12, choices=choices.Ownership.choices)
    supply_status = models.CharField(_("供地状态"), max_length=24, choices=choices.SupplyStatus.choices)
    supply_method = models.CharField(_("供地方式"), max_length=16, choices=choices.SupplyMethod.choices, blank=True)
    supply_date = models.DateField(_("供地日期"), null=True, blank=True)
    term_years = models.FloatField(_("出让年限（年）"), null=True, blank=True)
    land_price = models.FloatField(_("土地价款（万元）"), null=True, blank=True)
    floor_area_m2 = models.FloatField(_("总建筑面积（平方米）"), null=True, blank=True)
    footprint_area_m2 = models.FloatField(_("建筑基底面积（平方米）"), null=True, blank=True)
    admin_area_m2 = models.FloatField(_("行政办公及生活设施用地面积（平方米）"), null=True, blank=True)
    green_area_m2 = models.FloatField(_("绿地面积（平方米）"), null=True, blank=True)
    building_year = models.PositiveSmallIntegerField(_("建成年份"), null=True, blank=True)
    building_quality = models.CharField(_("房屋质量"), max_length=12, choices=choices.BuildingQuality.choices,
                                        blank=True)
    land_procedures = models.CharField(_("用地手续"), max_length=12, choices=choices.LandProcedures.choices,
                                       blank=True)
    # Validity (issue 17 §2): a split or merge ends the old parcels (never deletes them) and starts the new ones on
    # the same day; a parcel is valid on day D when started_on ≤ D (or unknown) and D < ended_on (or not ended).
    started_on = models.DateField(_("启用日期"), null=True, blank=True, editable=False)
    ended_on = models.DateField(_("灭失日期"), null=True, blank=True, editable=False)
    code_provisional = models.BooleanField(_("临时编码"), default=False, editable=False)
    history = _history()
    objects = ParcelQuerySet.as_manager()

    class Meta:
        verbose_name = _("地块")
        verbose_name_plural = _("地块")
        ordering = ["code"]
        indexes = [models.Index(fields=["min_x", "min_y", "max_x", "max_y"], name="parcel_bbox")]

    def __str__(self):
        return self.code

    @property
    def registered_area_mu(self):
        return square_metres_to_mu(self.registered_area_m2)

    @property
    def computed_area_mu(self):
        return square_metres_to_mu(self.computed_area_m2)

    @property
    def plot_ratio(self):
        """容积率 = 总建筑面积 / 土地面积."""
        return _ratio(self.floor_area_m2, self.registered_area_m2)

    @property
    def building_coefficient(self):
        """建筑系数 = 建筑基底面积 / 土地面积 (a fraction)."""
        return _ratio(self.footprint_area_m2, self.registered_area_m2)

    @property
    def admin_share(self):
        """行政办公及生活服务设施用地所占比重 (a fraction)."""
        return _ratio(self.admin_area_m2, self.registered_area_m2)

    @property
    def green_ratio(self):
        """绿地率 (a fraction)."""
        return _ratio(self.green_area_m2, self.registered_area_m2)

    def clean(self):
        from parkgov.ledger.services import parcel_problems

        problems = parcel_problems(
            land_code=self.land_code, ownership=self.ownership, land_use_code=self.land_use_code,
            registered_area_m2=self.registered_area_m2, footprint_area_m2=self.footprint_area_m2,
        )
        if problems:
            raise ValidationError(problems)


def _ratio(numerator, denominator):
    if numerator is None or not denominator:
        return None
    return numerator / denominator


class ParcelLineage(models.Model):
    """One edge of split/merge lineage: `parent` became (part of) `child` in operation `operation_id`."""

    operation_id = models.CharField(_("操作编号"), max_length=40)
    operation = models.CharField(_("操作"), max_length=12, choices=choices.LineageOperation.choices)
    parent = models.ForeignKey(Parcel, verbose_name=_("原地块"), on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Parcel, verbose_name=_("新地块"), on_delete=models.PROTECT, related_name="+")
    effective_date = models.DateField(_("生效日期"))
    note = models.TextField(_("说明"), blank=True)
    history = _history()

    class Meta:
        verbose_name = _("地块沿革")
        verbose_name_plural = _("地块沿革")
        constraints = [models.UniqueConstraint(fields=["operation_id", "parent", "child"], name="lineage_edge")]


class Enterprise(models.Model):
    """An enterprise identified by its 统一社会信用代码 (GB 32100)."""

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("企业名称"), max_length=200)
    industry_code = models.CharField(_("行业代码"), max_length=4, blank=True)
    scale = models.CharField(_("规模"), max_length=8, choices=choices.Scale.choices)
    zone = models.ForeignKey(Zone, verbose_name=_("所属园区"), on_delete=models.PROTECT,
                             related_name="enterprises")
    status = models.CharField(_("登记状态"), max_length=16, choices=choices.EnterpriseStatus.choices,
                              default=choices.EnterpriseStatus.ACTIVE)
    production_start = models.DateField(_("投产日期"), null=True, blank=True)
    history = _history()

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["credit_code"]
        # the list in its default order, filtered by scale (规上/规下): the scan skips the other scale
        indexes = [models.Index(fields=["name"], name="enterprise_name"),
                   models.Index(fields=["scale", "credit_code"], name="enterprise_scale_code")]

    def __str__(self):
        return gettext("%(name)s（%(code)s）") % {"name": self.name, "code": self.credit_code}

    def clean(self):
        from parkgov.codes.uscc import check_uscc

        result = check_uscc(self.credit_code)
        if not result.ok:
            raise ValidationError({"credit_code": "；".join(result.errors)})
        self.credit_code = result.code


class LandLink(models.Model):
    """An enterprise's use of a parcel: as land-use-right holder, tenant or subtenant, for a period."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE,
                                   related_name="land_links")
    parcel = models.ForeignKey(Parcel, verbose_name=_("地块"), on_delete=models.PROTECT, related_name="land_links")
    role = models.CharField(_("关系"), max_length=12, choices=choices.LinkRole.choices)
    land_area_m2 = models.FloatField(_("面积（平方米）"), null=True, blank=True)
    floor_area_m2 = models.FloatField(_("建筑面积（平方米）"), null=True, blank=True)
    start_date = models.DateField(_("起始日期"), null=True, blank=True)
    end_date = models.DateField(_("终止日期"), null=True, blank=True)
    history = _history()

    class Meta:
        verbose_name = _("用地关系")
        verbose_name_plural = _("用地关系")
        constraints = [models.UniqueConstraint(fields=["enterprise", "parcel", "role"], name="land_link_key")]

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("终止日期早于起始日期")})


class Submission(models.Model):
    """Where figures came from: a file (name and SHA-256), a form or an API call, by whom, when."""

    method = models.CharField(_("方式"), max_length=12, choices=choices.SubmissionMethod.choices)
    department = models.CharField(_("部门"), max_length=32, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    file_sha256 = models.CharField(_("文件SHA-256"), max_length=64, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    summary = models.JSONField(_("写入统计"), default=dict, blank=True)

    class Meta:
        verbose_name = _("数据提交")
        verbose_name_plural = _("数据提交")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_method_display()} {self.file_name} {self.created_at:%Y-%m-%d %H:%M}"


FIGURE_FIELDS = [
    "tax", "revenue", "output_value", "value_added", "energy_tce", "electricity_10k_kwh", "water_10k_t",
    "emissions_t", "rd_expense", "employees", "fixed_investment",
]


class YearlyFigure(models.Model):
    """An enterprise's figures for one year; `provenance` maps each field to the submission that set it."""

    # no index of its own: the unique (enterprise, year) index serves lookups by enterprise (one index less to
    # write for each of an import's 200,000 rows)
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE,
                                   related_name="yearly_figures", db_index=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    tax = models.FloatField(_("评价税收（万元）"), null=True, blank=True)
    revenue = models.FloatField(_("营业收入（万元）"), null=True, blank=True)
    output_value = models.FloatField(_("工业总产值（万元）"), null=True, blank=True)
    value_added = models.FloatField(_("工业增加值（万元）"), null=True, blank=True)
    energy_tce = models.FloatField(_("综合能耗（吨标准煤）"), null=True, blank=True)
    electricity_10k_kwh = models.FloatField(_("用电量（万千瓦时）"), null=True, blank=True)
    water_10k_t = models.FloatField(_("用水量（万吨）"), null=True, blank=True)
    emissions_t = models.FloatField(_("主要污染物排放量（吨）"), null=True, blank=True)
    rd_expense = models.FloatField(_("研发经费支出（万元）"), null=True, blank=True)
    employees = models.FloatField(_("年平均职工人数（人）"), null=True, blank=True)
    fixed_investment = models.FloatField(_("固定资产投资（万元）"), null=True, blank=True)
    provenance = models.JSONField(_("数据来源"), default=dict, blank=True)
    history = _history()

    class Meta:
        verbose_name = _("年度数据")
        verbose_name_plural = _("年度数据")
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="yearly_figure_key")]
        indexes = [models.Index(fields=["year"], name="yearly_figure_year")]


class Finding(models.Model):
    """A department's inspection finding (检查发现) about an enterprise and/or a parcel."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="findings")
    parcel = models.ForeignKey(Parcel, verbose_name=_("地块"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="findings")
    department = models.CharField(_("部门"), max_length=32)
    category = models.CharField(_("类别"), max_length=24, choices=choices.FindingCategory.choices)
    severity = models.CharField(_("严重程度"), max_length=12, choices=choices.Severity.choices)
    found_on = models.DateField(_("发现日期"))
    description = models.TextField(_("描述"), blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=choices.FindingStatus.choices,
                              default=choices.FindingStatus.OPEN)
    legal_basis = models.TextField(_("法律依据"), blank=True)
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    rectifiable = models.BooleanField(_("可整改达标"), null=True, blank=True)
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    history = _history()

    class Meta:
        verbose_name = _("检查发现")
        verbose_name_plural = _("检查发现")
        ordering = ["-found_on"]
        indexes = [models.Index(fields=["-found_on", "-id"], name="finding_recent")]
        constraints = [models.CheckConstraint(
            condition=models.Q(enterprise__isnull=False) | models.Q(parcel__isnull=False),
            name="finding_has_subject")]
