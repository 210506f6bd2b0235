"""Forms of the idle-land pages: they parse and name the fields; the rules are in supply/idle.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from parkgov.supply.choices import ExceptionCause, IdleStatus, NoticeKind
from parkgov.supply.idle import ATTENTION_FILTER

DATE = {"type": "date"}
ISO = "%Y-%m-%d"  # what <input type="date"> reads, whatever the language's date format


def _date(label, required=True, help_text=""):
    return forms.DateField(label=label, required=required, help_text=help_text,
                           widget=forms.DateInput(attrs=DATE, format=ISO))


class IdleFilterForm(forms.Form):
    on = _date(_("基准日"), required=False, help_text=_("默认今天"))
    status = forms.ChoiceField(label=_("闲置状态"), required=False, choices=[
        (ATTENTION_FILTER, _("需关注（即将闲置、闲置、应收回、政府原因）")), ("", _("全部已供地块"))]
        + list(IdleStatus.choices))
    zone = forms.ChoiceField(label=_("园区"), required=False)

    def __init__(self, *args, zones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].choices = [("", _("全部"))] + [(str(z.pk), z.name) for z in zones]


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label=_("文书类型"), choices=NoticeKind.choices)
    document_number = forms.CharField(label=_("文号"), max_length=80, required=False)
    issued_on = _date(_("发出日期"))
    served_on = _date(_("送达日期"), required=False)
    answer_due = _date(_("答复期限"), required=False, help_text=_("留空则按送达日期和规定的答复天数计算"))
    answered_on = _date(_("答复日期"), required=False)
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ExceptionForm(forms.Form):
    cause = forms.ChoiceField(label=_("政府原因类型"), choices=ExceptionCause.choices)
    reason = forms.CharField(label=_("原因说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    article = forms.CharField(label=_("依据条款"), max_length=80, required=False,
                              help_text=_("留空则为闲置土地处置办法第八条"))
    starts_on = _date(_("起始日期"))
    ends_on = _date(_("终止日期"), required=False)
    extended_start = _date(_("延长后的动工期限"), required=False, help_text=_("最长为约定动工日期后一年"))
