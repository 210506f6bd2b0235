"""Coded values of governance: code, Chinese label (through gettext) and colour in one place.

The case states and the transitions between them are data (workflows/*.yaml); the state codes below are the
vocabulary those tables use, checked when a table is loaded.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    TO_DISPATCH = "to_dispatch", _("待派")
    DISPATCHED = "dispatched", _("已派")
    RECTIFYING = "rectifying", _("整改中")
    TO_VERIFY = "to_verify", _("待核验")
    CLOSED = "closed", _("已销号")


CASE_STATE_COLOURS = {
    CaseState.TO_DISPATCH: "#9aa5b1",
    CaseState.DISPATCHED: "#f2c14e",
    CaseState.RECTIFYING: "#f78154",
    CaseState.TO_VERIFY: "#5b8def",
    CaseState.CLOSED: "#4d9078",
}


class Disposition(models.TextChoices):
    """四个一批 (shengzhou §二.(三))."""

    REBUILD = "rebuild", _("拆除重建")
    UPGRADE = "upgrade", _("整治提升")
    CONVERT = "convert", _("功能转型")
    EXIT = "exit", _("关停退出")


DISPOSITION_COLOURS = {
    Disposition.REBUILD: "#b4436c",
    Disposition.UPGRADE: "#f2c14e",
    Disposition.CONVERT: "#5b8def",
    Disposition.EXIT: "#3d3d3d",
}


class SubjectKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    PARCEL = "parcel", _("地块")


class ReferenceLayerKind(models.TextChoices):
    RIVER = "river", _("河流水系")
    PLANNED_LAND_USE = "planned_land_use", _("国土空间规划用地")
    PROTECTED_AREA = "protected_area", _("保护区")
    ZONE_BOUNDARY = "zone_boundary", _("园区边界")
    ROAD = "road", _("道路")
    OTHER = "other", _("其他")


class SignoffDecision(models.TextChoices):
    APPROVE = "approve", _("同意销号")
    REJECT = "reject", _("不同意")


class StepStatus(models.TextChoices):
    PENDING = "pending", _("未开始")
    DONE = "done", _("已完成")
