"""Forms of the case pages: they parse and name the fields; the rules are in governance/cases.py."""

from django import forms
from django.utils.translation import gettext, gettext_lazy as _

from parkgov.codes.tables import code_table
from parkgov.governance import choices
from parkgov.governance.finding_forms import MultipleFileField
from parkgov.governance.workflow import builtin_workflow_ids, get_workflow

DATE = {"type": "date"}


def department_choices():
    return [(code, gettext(entry.name)) for code, entry in code_table("departments").entries.items()]


class OpenCaseForm(forms.Form):
    """立案: the subject by its codes (prefilled from a list entry), departments, deadline, measures, targets."""

    title = forms.CharField(label=_("案件标题"), max_length=200)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    parcel_code = forms.CharField(label=_("地块编码"), max_length=40, required=False)
    lead_department = forms.ChoiceField(label=_("牵头部门"))
    departments = forms.MultipleChoiceField(label=_("责任部门（每个部门都须验收）"), widget=forms.CheckboxSelectMultiple,
                                            required=False)
    deadline = forms.DateField(label=_("整改期限"), widget=forms.DateInput(attrs=DATE))
    workflow = forms.ChoiceField(label=_("流程"))
    disposition = forms.ChoiceField(label=_("处置方式"), required=False)
    measures = forms.CharField(label=_("整改措施"), max_length=4000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    target_free_mu = forms.FloatField(label=_("目标腾退（亩）"), min_value=0, required=False)
    target_tax_per_mu = forms.FloatField(label=_("目标亩均税收（万元/亩）"), min_value=0, required=False)
    target_demolish_m2 = forms.FloatField(label=_("目标拆除建筑（平方米）"), min_value=0, required=False)
    target_add_floor_m2 = forms.FloatField(label=_("目标新增建筑面积（平方米）"), min_value=0, required=False)
    list_entry = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        departments = department_choices()
        self.fields["lead_department"].choices = departments
        self.fields["departments"].choices = departments
        self.fields["workflow"].choices = [(w, gettext(get_workflow(w).name)) for w in builtin_workflow_ids()]
        self.fields["disposition"].choices = [("", "—"), *choices.Disposition.choices]

    def targets(self) -> dict:
        return {key: self.cleaned_data.get(f"target_{key}") for key in ("free_mu", "tax_per_mu", "demolish_m2",
                                                                        "add_floor_m2")}


class ActionForm(forms.Form):
    """One transition: its comment (reason, acceptance record), a new deadline (延期), 亩 freed (销号), evidence."""

    action = forms.CharField(widget=forms.HiddenInput, max_length=24)
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("说明"), max_length=4000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    new_deadline = forms.DateField(label=_("新期限"), required=False, widget=forms.DateInput(attrs=DATE))
    freed_mu = forms.FloatField(label=_("实际腾退（亩）"), min_value=0, required=False)
    files = MultipleFileField(label=_("整改证据（图片或 PDF，可多选）"), required=False)


class SignoffForm(forms.Form):
    decision = forms.ChoiceField(label=_("验收意见"), choices=choices.SignoffDecision.choices,
                                 widget=forms.RadioSelect)
    comment = forms.CharField(label=_("验收记录或理由"), max_length=4000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    files = MultipleFileField(label=_("验收材料（可多选）"), required=False)


class StepForm(forms.Form):
    note = forms.CharField(label=_("说明"), max_length=2000, required=False)
    files = MultipleFileField(label=_("材料（可多选）"), required=False)


class EvidenceForm(forms.Form):
    files = MultipleFileField(label=_("整改证据（图片或 PDF，可多选）"))
    comment = forms.CharField(label=_("说明"), max_length=2000, required=False)


class CaseImportForm(forms.Form):
    file = forms.FileField(label=_("案件进展工作簿（xlsx）"))
