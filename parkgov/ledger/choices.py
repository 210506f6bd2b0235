"""Coded values of the ledger: code, Chinese label (through gettext) and colour in one place."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ZoneKind(models.TextChoices):
    DEVELOPMENT_ZONE = "development_zone", _("开发区")
    PARK_IN_ZONE = "park_in_zone", _("区中园")
    SMALL_FIRM_PARK = "small_firm_park", _("小微企业园")
    CLUSTER_POINT = "cluster_point", _("工业集聚点")


class Ownership(models.TextChoices):
    STATE = "state", _("国有")
    COLLECTIVE = "collective", _("集体")


class SupplyStatus(models.TextChoices):
    APPROVED_NOT_SUPPLIED = "approved_not_supplied", _("批而未供")
    SUPPLIED_NOT_USED = "supplied_not_used", _("供而未用")
    IN_USE = "in_use", _("已供已用")
    IDLE = "idle", _("闲置")
    RESERVED = "reserved", _("储备")


SUPPLY_STATUS_COLOURS = {
    SupplyStatus.APPROVED_NOT_SUPPLIED: "#f2c14e",
    SupplyStatus.SUPPLIED_NOT_USED: "#f78154",
    SupplyStatus.IN_USE: "#4d9078",
    SupplyStatus.IDLE: "#b4436c",
    SupplyStatus.RESERVED: "#9aa5b1",
}


class SupplyMethod(models.TextChoices):
    TRANSFER = "transfer", _("出让")
    ALLOCATION = "allocation", _("划拨")
    LEASE = "lease", _("租赁")
    SHARE = "share", _("作价出资（入股）")
    COLLECTIVE_USE = "collective_use", _("集体建设用地使用")
    OTHER = "other", _("其他")


class LinkRole(models.TextChoices):
    HOLDER = "holder", _("土地使用权人")
    TENANT = "tenant", _("承租")
    SUBTENANT = "subtenant", _("转租")


class Scale(models.TextChoices):
    ABOVE = "above", _("规上")
    BELOW = "below", _("规下")


class EnterpriseStatus(models.TextChoices):
    ACTIVE = "active", _("存续")
    IN_BUSINESS = "in_business", _("在业")
    SUSPENDED = "suspended", _("停业")
    REVOKED = "revoked", _("吊销")
    DEREGISTERED = "deregistered", _("注销")
    MOVED_OUT = "moved_out", _("迁出")


class FindingCategory(models.TextChoices):
    ENVIRONMENT = "environment", _("环保")
    SAFETY = "safety", _("安全生产")
    FIRE = "fire", _("消防")
    ILLEGAL_CONSTRUCTION = "illegal_construction", _("违法建设")
    UNLICENSED = "unlicensed", _("无证无照")
    OTHER = "other", _("其他")


class Severity(models.TextChoices):
    MINOR = "minor", _("一般")
    SERIOUS = "serious", _("较重")
    MAJOR = "major", _("重大")


SEVERITY_COLOURS = {Severity.MINOR: "#f2c14e", Severity.SERIOUS: "#f78154", Severity.MAJOR: "#b4436c"}


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    RECTIFYING = "rectifying", _("整改中")
    CLOSED = "closed", _("已销号")


class BuildingQuality(models.TextChoices):
    GOOD = "good", _("良好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("较差")
    DANGEROUS = "dangerous", _("危房")


class LandProcedures(models.TextChoices):
    COMPLETE = "complete", _("手续完备")
    INCOMPLETE = "incomplete", _("手续不全")
    NONE = "none", _("无合法手续")


class SubmissionMethod(models.TextChoices):
    IMPORT = "import", _("导入")
    FORM = "form", _("表单")
    API = "api", _("接口")
    DEMO = "demo", _("演示数据")


class LineageOperation(models.TextChoices):
    SPLIT = "split", _("分割")
    MERGE = "merge", _("合并")
    RECODE = "recode", _("重新编码")


def by_label(choices) -> dict:
    """Map each Chinese label (as shown in workbooks) to its code."""
    return {str(label): value for value, label in choices.choices}


def by_value(choices) -> dict:
    """Map each code to its Chinese label."""
    return {value: str(label) for value, label in choices.choices}
