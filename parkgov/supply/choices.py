"""Coded values of supply: code, Chinese label (through gettext) and colour in one place.

The admission review's states and transitions are data (supply/workflows/admission.yaml); the codes below are the
vocabulary that table uses, checked when it is loaded.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationState(models.TextChoices):
    """准入联审: an application from draft to decision."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已受理")
    REVIEWING = "reviewing", _("联审中")
    CHANGES = "changes", _("退回补正")
    DECIDED = "decided", _("已决定")
    CONTRACTED = "contracted", _("已签约")
    WITHDRAWN = "withdrawn", _("已撤回")


class Outcome(models.TextChoices):
    APPROVED = "approved", _("通过")
    CONDITIONAL = "conditional", _("有条件通过")
    REJECTED = "rejected", _("不通过")


OUTCOME_COLOURS = {Outcome.APPROVED: "#4d9078", Outcome.CONDITIONAL: "#f2c14e", Outcome.REJECTED: "#b4436c"}


class Opinion(models.TextChoices):
    """A department's answer in the joint review (BOPS consultee model: approve / object / comment)."""

    APPROVE = "approve", _("同意")
    REJECT = "reject", _("不同意")
    CHANGES = "changes", _("需补正")


class CheckLevel(models.TextChoices):
    """How a threshold or investor check weighs in the review: a failed `block` is a reason for 不通过, a failed
    `warn` a reason shown to the reviewers (有条件通过 at most)."""

    BLOCK = "block", _("否决项")
    WARN = "warn", _("提示项")
    PASS = "pass", _("符合")


class CommitmentStatus(models.TextChoices):
    """达产复核 of one contract as of a date."""

    NOT_DUE = "not_due", _("未到复核期")
    MET = "met", _("达标")
    NOT_MET = "not_met", _("未达标")
    NO_DATA = "no_data", _("缺少数据")
    RECTIFYING = "rectifying", _("整改期内")
    RECOVERY = "recovery", _("应收回")


COMMITMENT_COLOURS = {
    CommitmentStatus.NOT_DUE: "#9aa5b1",
    CommitmentStatus.MET: "#4d9078",
    CommitmentStatus.NOT_MET: "#f78154",
    CommitmentStatus.NO_DATA: "#c9c9c9",
    CommitmentStatus.RECTIFYING: "#f2c14e",
    CommitmentStatus.RECOVERY: "#b4436c",
}


class IdleStatus(models.TextChoices):
    """闲置土地 status of a supplied parcel as of a date (闲置土地处置办法, 国土资源部令第53号)."""

    NORMAL = "normal", _("正常")
    STARTED = "started", _("已动工")
    WARNING = "warning", _("即将闲置")
    IDLE = "idle", _("闲置")
    RECOVER = "recover", _("应收回")
    GOVERNMENT = "government", _("政府原因闲置")
    UNKNOWN = "unknown", _("缺少合同日期")


IDLE_COLOURS = {
    IdleStatus.NORMAL: "#4d9078",
    IdleStatus.STARTED: "#5b8def",
    IdleStatus.WARNING: "#f2c14e",
    IdleStatus.IDLE: "#f78154",
    IdleStatus.RECOVER: "#b4436c",
    IdleStatus.GOVERNMENT: "#8e6bb8",
    IdleStatus.UNKNOWN: "#c9c9c9",
}


class NoticeKind(models.TextChoices):
    """The notices of the idle-land procedure (order No. 53 Art. 9–14), recorded with their dates."""

    INVESTIGATION = "investigation", _("闲置土地调查通知书")
    DETERMINATION = "determination", _("闲置土地认定书")
    FEE = "fee", _("征缴土地闲置费决定书")
    RECOVERY = "recovery", _("收回国有建设用地使用权决定书")
    HEARING = "hearing", _("听证告知书")


class ExceptionCause(models.TextChoices):
    """Government-caused delays (order No. 53 Art. 8): they change the disposition, not the clock."""

    NOT_DELIVERED = "not_delivered", _("未按约定交付土地")
    PLAN_CHANGED = "plan_changed", _("规划调整")
    PUBLIC_INTEREST = "public_interest", _("公共利益需要（司法查封等）")
    POLICY = "policy", _("国家政策调整")
    FORCE_MAJEURE = "force_majeure", _("自然灾害等不可抗力")
    OTHER = "other", _("其他政府原因")


class QuotaMovementKind(models.TextChoices):
    """空间补偿 / 指标调剂 (changzhou): a zone's land quota in 亩."""

    CREDIT = "credit", _("复垦复绿释放")
    DEBIT = "debit", _("新增供地使用")
    TRANSFER_OUT = "transfer_out", _("调出")
    TRANSFER_IN = "transfer_in", _("调入")
    ADJUSTMENT = "adjustment", _("核定调整")


class TransferState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不批准")
