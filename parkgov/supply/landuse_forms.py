"""Forms of the control-indicator, 零增地 and land-quota pages; labels and errors through gettext (Chinese msgids).
They parse and type the input; the rules (limits, consistency, balances) live in the services."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkgov.supply.control import INDICATOR_LABELS
from parkgov.supply.landuse_rules import control_rules


def _all(choices):
    return [("", _("全部"))] + list(choices)


class ControlFilterForm(forms.Form):
    zone = forms.ChoiceField(label=_("园区"), required=False)
    indicator = forms.ChoiceField(label=_("指标"), required=False)
    edition = forms.ChoiceField(label=_("适用版本"), required=False)
    all = forms.BooleanField(label=_("含符合与未核的指标"), required=False)

    def __init__(self, *args, zones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].choices = _all((str(pk), name) for pk, name in zones)
        self.fields["indicator"].choices = _all(INDICATOR_LABELS.items())
        self.fields["edition"].choices = _all((e.id, e.id) for e in control_rules().editions)


class RenovationForm(forms.Form):
    parcel_code = forms.CharField(label=_("地块编码"), max_length=40)
    completed_on = forms.DateField(label=_("完成日期"), widget=forms.DateInput(attrs={"type": "date"}))
    storeys_added = forms.IntegerField(label=_("加层数"), min_value=0, max_value=50)
    plot_ratio_before = forms.FloatField(label=_("改造前容积率"), min_value=0)
    plot_ratio_after = forms.FloatField(label=_("改造后容积率"), min_value=0)
    floor_area_added_m2 = forms.FloatField(label=_("新增建筑面积（平方米）"), min_value=0)
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class DebitForm(forms.Form):
    parcel_code = forms.CharField(label=_("地块编码"), max_length=40)
    mu = forms.FloatField(label=_("使用指标（亩）"), min_value=0.0001)
    moved_on = forms.DateField(label=_("供地日期"), initial=timezone.localdate,
                               widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class TransferForm(forms.Form):
    to_zone = forms.ChoiceField(label=_("调入园区（申请园区）"))
    from_zone = forms.ChoiceField(label=_("调出园区"))
    mu = forms.FloatField(label=_("调剂指标（亩）"), min_value=0.0001)
    reason = forms.CharField(label=_("申请理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, own=(), every=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_zone"].choices = [(code, name) for code, name in own]
        self.fields["from_zone"].choices = [(code, name) for code, name in every]


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("审批"), choices=[("approve", _("批准")), ("refuse", _("不批准"))])
    note = forms.CharField(label=_("审批意见"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}), help_text=_("不批准时必填"))
