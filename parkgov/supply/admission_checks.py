"""The checks of an admission application, pure: the application's figures + a threshold profile + the negative
list + the investor's facts from the ledger → a list of checks, each a dict

    {code, kind, label, level, value, threshold, op, unit, source, verified, reason}

`kind` is threshold / negative_list / investor; `level` is `pass` when the check is met, else the rule's level
(`block` 否决项, `warn` 提示项), or `unchecked` when the profile has no number for it (a national table that is not
transcribed) or the application lacks the figure. No database, no I/O: the service (supply/admission.py)
gathers the facts. Comparisons are exact on the stored values (280 ≥ 280 passes, 10 > 10 fails): the value is
rounded to 6 decimals first so that a division such as 2800/10 does not fail by a binary fraction.
"""

import operator

from django.utils.translation import gettext, gettext_noop

from parkgov.supply.admission_rules import NegativeList, Profile, ReviewRules, industry_ancestors

OPS = {"ge": (operator.ge, "≥"), "gt": (operator.gt, ">"), "le": (operator.le, "≤"), "lt": (operator.lt, "<")}
PASS, UNCHECKED = "pass", "unchecked"
COUNT_UNIT = gettext_noop("项")  # stored as written, translated where shown (like the data files' units)


def _ratio(numerator, denominator):
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def measure_values(app) -> dict:
    """The measures of an application (an object with the Application fields): 投资强度 = 固定资产投资 / 用地亩数
    (万元/亩), 亩均税收 = 预计税收 / 亩数, 单位能耗增加值 = 增加值 / 综合能耗 …; None when a figure is missing."""
    land = app.land_mu
    return {
        "investment_intensity": _ratio(app.fixed_investment, land), "tax_per_mu": _ratio(app.expected_tax, land),
        "output_per_mu": _ratio(app.expected_output, land),
        "value_added_per_mu": _ratio(app.expected_value_added, land),
        "plot_ratio": app.plot_ratio, "building_coefficient": app.building_coefficient,
        "admin_share": app.admin_share, "green_ratio": app.green_ratio,
        "energy_value_added": _ratio(app.expected_value_added, app.energy_tce),
        "emission_value_added": _ratio(app.expected_value_added, app.emissions_t),
        "rd_share": app.rd_share, "employees_per_mu": _ratio(app.employees, land),
    }


def threshold_checks(app, profile: Profile) -> list:
    """One check per rule of `profile` that applies to the application's industry."""
    values, ancestors, checks = measure_values(app), industry_ancestors(app.industry_code), []
    for rule in profile.rules:
        if rule.industries and not set(rule.industries) & set(ancestors):
            continue
        value = values[rule.measure]
        compare, sign = OPS[rule.op]
        check = {"code": rule.code, "kind": "threshold", "label": rule.label, "value": _round(value),
                 "threshold": rule.value, "op": sign, "unit": rule.unit, "source": rule.source,
                 "verified": rule.verified}
        if rule.value is None:
            check.update(level=UNCHECKED, reason=gettext("%(label)s：未核（%(note)s）") % {
                "label": rule.label, "note": rule.note})
        elif value is None:
            check.update(level=UNCHECKED, reason=gettext("%(label)s：申请未填写所需数据，未核") % {"label": rule.label})
        else:
            met = compare(_round(value), rule.value)
            check.update(level=PASS if met else rule.level, reason=gettext(
                "%(label)s %(value)s %(unit)s，要求 %(op)s %(threshold)s %(unit)s：%(result)s") % {
                "label": rule.label, "value": _shown(value), "unit": rule.unit, "op": sign,
                "threshold": _shown(rule.value), "result": gettext("符合") if met else gettext("不符合")})
        checks.append(check)
    return checks


def negative_list_checks(app, negative: NegativeList) -> list:
    """One check for the negative list: each entry whose industry code covers the application's industry is a
    failure (forbidden and eliminated block, restricted warns); none → one passed check."""
    ancestors, checks = set(industry_ancestors(app.industry_code)), []
    for entry in negative.entries:
        if set(entry.industries) & ancestors:
            checks.append({"code": f"negative_{entry.code}", "kind": "negative_list", "label": gettext("负面清单"),
                           "level": "warn" if entry.category == "restricted" else "block",
                           "value": app.industry_code, "threshold": "、".join(entry.industries), "op": "∉", "unit": "",
                           "source": entry.source, "verified": entry.verified,
                           "reason": gettext("行业 %(industry)s 属于负面清单：%(label)s") % {
                               "industry": app.industry_code, "label": entry.label}})
    return checks or [{"code": "negative_list", "kind": "negative_list", "label": gettext("负面清单"), "level": PASS,
                       "value": app.industry_code, "threshold": "", "op": "∉", "unit": "",
                       "source": negative.source.citation, "verified": negative.verified,
                       "reason": gettext("行业 %(industry)s 不在负面清单内") % {"industry": app.industry_code}}]


def investor_checks(facts: dict, rules: ReviewRules) -> list:
    """One check per investor check of `rules`, from `facts` (lists gathered from the ledger, keyed like the
    checks: idle_land [{parcel, firm, status}], open_breach [{contract, firm, status}], class_d [{firm, year}],
    serious_findings [{firm, parcel, description}])."""
    describe = {
        "idle_land": lambda f: gettext("%(firm)s 的地块 %(parcel)s 最近一次核查为“%(status)s”") % f,
        "open_breach": lambda f: gettext("%(firm)s 的合同 %(contract)s 最近一次达产复核为“%(status)s”") % f,
        "class_d": lambda f: gettext("%(firm)s 在 %(year)s 年度亩均评价为 D 类") % f,
        "serious_findings": lambda f: gettext("%(firm)s：%(description)s（%(severity)s，未销号）") % f,
    }
    checks = []
    for code, spec in rules.investor_checks.items():
        found = facts.get(code, [])
        reason = "；".join(describe[code](f) for f in found) if found else gettext("未发现")
        checks.append({"code": code, "kind": "investor", "label": spec.label, "level": spec.level if found else PASS,
                       "value": len(found), "threshold": 0, "op": "=", "unit": COUNT_UNIT, "source": spec.source,
                       "verified": spec.verified, "reason": f"{spec.label}：{reason}"})
    return checks


def all_checks(app, *, profile: Profile, negative: NegativeList, rules: ReviewRules, facts: dict) -> list:
    """Every check of an application, thresholds first, then the negative list, then the investor."""
    return threshold_checks(app, profile) + negative_list_checks(app, negative) + investor_checks(facts, rules)


def failed_levels(checks) -> set:
    """The levels (block, warn) of the failed checks."""
    return {c["level"] for c in checks if c["level"] in ("block", "warn")}


def _round(value):
    return None if value is None else round(value, 6)


def _shown(value) -> str:
    return f"{round(value, 2):g}"
