"""Forms of the finding pages: they parse and name the fields; the rules are in governance/findings.py."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkgov.codes.tables import code_table
from parkgov.errors import InputError
from parkgov.governance.findings import scoped_enterprise, scoped_parcel, transition_table, writable_categories
from parkgov.ledger.choices import FindingCategory, Severity

DATE = {"type": "date"}
ISO = "%Y-%m-%d"  # what <input type="date"> reads, whatever the language's date format


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); the evidence checks come later, by content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/png,image/jpeg,image/webp,"
                                                                       "application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class FindingForm(forms.Form):
    """A finding's fields; the firm and parcel are chosen by their codes within the user's parks."""

    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    parcel_code = forms.CharField(label=_("地块编码"), max_length=40, required=False)
    department = forms.ChoiceField(label=_("部门"))
    category = forms.ChoiceField(label=_("类别"))
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices)
    found_on = forms.DateField(label=_("发现日期"), widget=forms.DateInput(attrs=DATE, format=ISO))
    description = forms.CharField(label=_("描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(label=_("法律依据"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label=_("整改期限"), required=False, widget=forms.DateInput(attrs=DATE, format=ISO))
    rectifiable = forms.NullBooleanField(label=_("可整改达标"), required=False)
    files = MultipleFileField(label=_("证据材料（图片或 PDF，可多选）"), required=False)

    def __init__(self, *args, scope, finding=None, **kwargs):
        if finding is not None:
            kwargs.setdefault("initial", {
                "credit_code": finding.enterprise.credit_code if finding.enterprise else "",
                "parcel_code": finding.parcel.code if finding.parcel else "", "department": finding.department,
                **{name: getattr(finding, name) for name in ("category", "severity", "found_on", "description",
                                                             "legal_basis", "deadline", "rectifiable")}})
        else:
            kwargs.setdefault("initial", {"found_on": timezone.localdate()})
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.scope, self.finding = scope, finding
        self.fields["category"].choices = [(c, FindingCategory(c).label) for c in writable_categories(scope)]
        if scope.own_findings_only or finding is not None:
            del self.fields["department"]  # a department records in its own name; the recorder stays
        else:
            self.fields["department"].choices = [(code, _(entry.name)) for code, entry
                                                 in code_table("departments").entries.items()]

    def clean_credit_code(self):
        code = self.cleaned_data["credit_code"].strip().upper()
        current = self.finding.enterprise if self.finding is not None else None
        if current is not None and code == current.credit_code:
            return current  # unchanged: kept even when it lies outside the user's parks
        return self._subject(scoped_enterprise, credit_code=code) if code else None

    def clean_parcel_code(self):
        code = self.cleaned_data["parcel_code"].strip()
        current = self.finding.parcel if self.finding is not None else None
        if current is not None and code == current.code:
            return current
        return self._subject(scoped_parcel, parcel_code=code) if code else None

    def _subject(self, lookup, **code):
        try:
            return lookup(scope=self.scope, **code)
        except InputError as exc:
            raise ValidationError(str(exc)) from exc

    def clean(self):
        data = super().clean()
        if not self.errors and data.get("credit_code") is None and data.get("parcel_code") is None:
            raise ValidationError(_("请填写统一社会信用代码或地块编码（至少一项）"))
        return data

    def service_arguments(self) -> dict:
        """The keyword arguments of create_finding / update_finding."""
        data = self.cleaned_data
        arguments = {name: data[name] for name in ("category", "severity", "found_on", "description",
                                                   "legal_basis", "deadline", "rectifiable")}
        arguments.update(enterprise=data["credit_code"], parcel=data["parcel_code"], attachments=data["files"])
        if "department" in self.fields:
            arguments["department"] = data["department"]
        return arguments


class StatusForm(forms.Form):
    action = forms.ChoiceField(label=_("操作"))
    closed_on = forms.DateField(label=_("销号日期"), required=False, widget=forms.DateInput(attrs=DATE, format=ISO))
    note = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(code, _(t.name)) for code, t in transition_table().items()]


class EvidenceForm(forms.Form):
    files = MultipleFileField(label=_("证据材料（图片或 PDF，可多选）"))
