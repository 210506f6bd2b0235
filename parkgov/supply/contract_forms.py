"""The contract edit form and the review form: they parse and name the fields; the rules are in
supply/contracts.py (the same ones the 标准地承诺 import and the API apply)."""

import datetime as dt

from django import forms
from django.utils.translation import gettext, gettext_lazy as _

from parkgov.supply.contract_rules import breach_rules, indicator_set
from parkgov.supply.contracts import indicator_field

ISO = "%Y-%m-%d"
DATE_FIELDS = (("signed_on", _("签订日期"), True), ("delivered_on", _("交地日期"), False),
               ("agreed_start", _("约定动工日期"), False), ("agreed_completion", _("约定竣工日期"), False),
               ("agreed_production", _("约定达产日期"), False), ("actual_start", _("实际动工日期"), False),
               ("actual_completion", _("实际竣工日期"), False), ("actual_production", _("实际投产日期"), False),
               ("stopped_on", _("停工日期"), False))
AMOUNT_FIELDS = (("total_investment", _("约定总投资（万元）")), ("invested", _("已完成投资（万元）")),
                 ("developed_area_m2", _("已开发面积（平方米）")))


def _date_field(label, required):
    return forms.DateField(label=label, required=required, input_formats=[ISO],
                           widget=forms.DateInput(attrs={"type": "date"}, format=ISO))


class ContractForm(forms.Form):
    """A contract's dates, committed indicators (one field per indicator in supply/data/indicators.yaml),
    amounts, breach rule and note. The parcel and the firm are fixed by the import."""

    def __init__(self, *args, contract=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label, required in DATE_FIELDS:
            self.fields[name] = _date_field(label, required)
        for indicator in indicator_set().indicators:
            self.fields[indicator_field(indicator.code)] = forms.FloatField(
                label=gettext("%(name)s（%(unit)s）") % {"name": indicator.name, "unit": indicator.unit}
                if indicator.unit else indicator.name, required=False,
                help_text=gettext("%(stage)s时复核") % {"stage": gettext(indicator.stage_label)})
        for name, label in AMOUNT_FIELDS:
            self.fields[name] = forms.FloatField(label=label, required=False)
        self.fields["breach_rule"] = forms.ChoiceField(
            label=_("违约规则"), choices=[(r.id, f"{r.id} {r.name}") for r in breach_rules().values()])
        self.fields["note"] = forms.CharField(label=_("备注"), required=False, max_length=2000,
                                              widget=forms.Textarea(attrs={"rows": 3}))
        if contract is not None and not self.is_bound:
            for name in self.fields:
                if name.startswith("ind_"):
                    self.initial[name] = (contract.indicators or {}).get(name[4:])
                else:
                    self.initial[name] = getattr(contract, name)


class ReviewForm(forms.Form):
    """Start a review: data year, as-of date, optionally one park."""

    year = forms.IntegerField(label=_("数据年度"), min_value=2000, max_value=2100)
    on = _date_field(_("复核基准日"), True)
    zone = forms.ChoiceField(label=_("园区"), required=False)

    def __init__(self, *args, zones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].choices = [("", _("全部"))] + [(z.code, z.name) for z in zones]
        self.initial.setdefault("on", dt.date.today())
        self.initial.setdefault("year", dt.date.today().year - 1)
