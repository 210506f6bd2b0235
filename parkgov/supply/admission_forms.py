"""Forms of the admission pages. They only parse: the checks of each value live in supply/admission_fields.py and
the services, so the page, the API and the command refuse the same inputs with the same messages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from parkgov.governance.finding_forms import MultipleFileField
from parkgov.supply.admission_fields import FIELDS
from parkgov.supply.choices import ApplicationState, Opinion, Outcome


class ApplicationForm(forms.Form):
    """Every field of an application as text (numbers are parsed by the service, with its messages)."""

    zone = forms.ChoiceField(label=_("拟落地园区"))
    related_credit_codes = forms.CharField(label=_("关联企业统一社会信用代码（每行一个，用于集团核查）"), required=False,
                                           widget=forms.Textarea(attrs={"rows": 2}))
    documents = MultipleFileField(label=_("申报材料（PDF 或图片，可多选）"), required=False)
    document_kind = forms.CharField(label=_("材料类型（如 可研报告、环评批复）"), required=False, max_length=40)

    def __init__(self, *args, zones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].choices = [(z.code, f"{z.code} {z.name}") for z in zones]
        for name, (label, kind, _low, _high, required) in FIELDS.items():
            widget = forms.TextInput(attrs={"inputmode": "decimal"} if kind not in ("text", "code", "industry")
                                     else {})
            self.fields[name] = forms.CharField(label=_(label), required=required, max_length=200, widget=widget)
        self.order_fields(["zone", *FIELDS, "related_credit_codes", "documents", "document_kind"])

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {**{name: data[name] for name in FIELDS}, "related_credit_codes": data["related_credit_codes"]}


class ActionForm(forms.Form):
    action = forms.CharField(max_length=24)
    comment = forms.CharField(label=_("说明"), required=False, max_length=4000, widget=forms.Textarea)
    version = forms.IntegerField(min_value=1)


class OpinionForm(forms.Form):
    decision = forms.ChoiceField(label=_("意见"), choices=Opinion.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("意见说明（不同意、需补正必填）"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(min_value=1)


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("联审结论"), choices=Outcome.choices, widget=forms.RadioSelect)
    conditions = forms.CharField(label=_("附加条件（有条件通过必填）"), required=False, max_length=4000,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    comment = forms.CharField(label=_("结论说明（不通过必填）"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(min_value=1)


class ContractForm(forms.Form):
    parcel_code = forms.CharField(label=_("供应地块编码"), max_length=40)
    number = forms.CharField(label=_("合同编号"), max_length=64)
    signed_on = forms.DateField(label=_("签订日期"), widget=forms.DateInput(attrs={"type": "date"}))
    delivered_on = forms.DateField(label=_("交地日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    agreed_start = forms.DateField(label=_("约定动工日期"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    agreed_completion = forms.DateField(label=_("约定竣工日期"), required=False,
                                        widget=forms.DateInput(attrs={"type": "date"}))
    agreed_production = forms.DateField(label=_("约定达产日期"), required=False,
                                        widget=forms.DateInput(attrs={"type": "date"}))
    breach_rule = forms.CharField(label=_("违约规则"), required=False, max_length=64)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class DocumentsForm(forms.Form):
    files = MultipleFileField(label=_("申报材料（PDF 或图片，可多选）"))
    kind = forms.CharField(label=_("材料类型"), required=False, max_length=40)


class ListFilters(forms.Form):
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + ApplicationState.choices)
    outcome = forms.ChoiceField(label=_("联审结论"), required=False, choices=[("", _("全部"))] + Outcome.choices)
    zone = forms.CharField(label=_("园区"), required=False, max_length=32)
    q = forms.CharField(label=_("项目或投资主体"), required=False, max_length=100)
