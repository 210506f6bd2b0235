"""What the application pages show, prepared once for the detail page and the printable review record: the
checks grouped and labelled, this round's opinions by department, earlier rounds, the timeline, the actions.

Field groups apply: a role that may not see the 亩均评价 results (roles.yaml `evaluation_results`) sees that the
class D check failed, not which firm was rated D.
"""

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from parkgov.supply import admission as services
from parkgov.supply.admission_contract import commitments
from parkgov.supply.admission_fields import FIELDS
from parkgov.supply.admission_rules import admission_workflow, get_profile, review_rules
from parkgov.supply.choices import Opinion, Outcome

LEVELS = {"block": (gettext_noop("否决项未通过"), "level-block"), "warn": (gettext_noop("提示项未通过"), "level-warn"),
          "pass": (gettext_noop("符合"), "level-pass"), "unchecked": (gettext_noop("未核"), "level-unchecked")}
KINDS = {"threshold": gettext_noop("准入门槛"), "negative_list": gettext_noop("负面清单"), "investor": gettext_noop("投资主体核查")}
EVENT_LABELS = {"create": gettext_noop("填报"), "edit": gettext_noop("修改申请"), "document": gettext_noop("上传申报材料"), "opinion": gettext_noop("签署联审意见")}


def zones_of(scope) -> list:
    from parkgov.ledger.models import Zone

    return list(scope.filter_zones(Zone.objects.order_by("code"), "id"))


def visible_checks(checks, *, scope) -> list:
    """The checks as this role may see them, each with its level's label and CSS class and its kind's label."""
    rows = []
    for check in checks:
        row = dict(check)
        if check["code"] == "class_d" and check["level"] != "pass" and not scope.sees("evaluation_class"):
            row["reason"] = gettext("%(label)s（您的角色无权查看亩均评价结果的明细）") % {"label": check["label"]}
        label, css = LEVELS.get(check["level"], (check["level"], ""))
        row.update(level_label=gettext(label), css=css, kind_label=gettext(KINDS.get(check["kind"], check["kind"])),
                   value_shown=shown(check["value"]), threshold_shown=shown(check["threshold"]))
        rows.append(row)
    return rows


def shown(value) -> str:
    """A value as the pages show it: numbers without trailing zeros (280, 7.5, 0.35), None and "" as —."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return f"{round(value, 4):g}"
    return str(value)


def visible_reasons(reasons, *, scope) -> list:
    """The outcome's reasons, the class D one masked as in `visible_checks` for a role without the results."""
    hidden = not scope.sees("evaluation_class")
    return [{**r, "text": gettext("投资主体或关联企业亩均评价为 D 类（您的角色无权查看亩均评价结果的明细）")}
            if hidden and r.get("code") == "class_d" and r.get("level") != "pass" else r for r in reasons]


def detail_context(app, *, scope) -> dict:
    """Everything the detail page and the record show of `app`."""
    flow = admission_workflow()
    profile = get_profile(app.threshold_profile)
    opinions = [(services.department_label(code), code, opinion) for code, opinion in services.round_opinions(app)]
    actions = services.available_actions(application=app, scope=scope)
    checks = visible_checks(app.checks, scope=scope)
    fields = [(gettext(FIELDS[name][0]), shown(getattr(app, name))) for name in FIELDS]
    missing = [services.department_label(code) for code, opinion in services.round_opinions(app) if opinion is None]
    return {
        "application": app, "flow": flow, "state": flow.state(app.state), "state_label": gettext(flow.state(app.state).label),
        "profile": profile, "fields": fields,
        "field_rows": [fields[i:i + 2] for i in range(3, len(fields), 2)],
        "intensity": round(app.fixed_investment / app.land_mu, 2),
        "checks": checks, "failed": [c for c in checks if c["level"] in ("block", "warn")],
        "opinions": opinions,
        "earlier": app.opinions.exclude(round=app.round).select_related("actor").order_by("round", "at"),
        "outcome_label": str(Outcome(app.outcome).label) if app.outcome else "",
        "reasons": visible_reasons(app.outcome_reasons, scope=scope),
        "events": _timeline(app, flow), "documents": list(app.documents.select_related("uploaded_by")),
        "actions": [a for a in actions if a[0] not in (services.OPINION, services.EDIT, services.DECIDE,
                                                       services.CONTRACT)],
        "may_opinion": any(a[0] == services.OPINION for a in actions),
        "may_edit": any(a[0] == services.EDIT for a in actions),
        "may_decide": any(a[0] == services.DECIDE for a in actions),
        "decide_blocked": gettext("尚缺本轮意见：%(departments)s") % {"departments": services.listed(missing)}
        if missing else "",
        "may_contract": any(a[0] == services.CONTRACT for a in actions),
        "may_upload": services.EDIT in [a[0] for a in actions] or (
            scope.can_write("supply") and scope.role in flow.edit_by and app.state in ("submitted", "reviewing")),
        "allowed_outcomes": [(code, str(Outcome(code).label), why) for code, why in
                             services.allowed_outcomes(app).items()],
        "commitments": commitments(app), "contract": getattr(app, "contract", None) if app.pk else None,
        "departments": review_rules().departments, "opinion_labels": dict(Opinion.choices),
        "today": timezone.localdate(),
    }


def _timeline(app, flow) -> list:
    from parkgov.accounts.scopes import role_table

    roles = role_table()["roles"]
    labels = {t.action: t.label for t in flow.transitions} | EVENT_LABELS
    states = {s.code: s.label for s in flow.states}
    rows = []
    for event in app.events.select_related("actor"):
        rows.append({"event": event, "label": gettext(labels.get(event.action, event.action)),
                     "role": gettext(roles[event.role]["name"]) if event.role in roles else event.role,
                     "department": services.department_label(event.department),
                     "from": gettext(states[event.from_state]) if event.from_state in states else "",
                     "to": gettext(states[event.to_state]) if event.to_state in states else ""})
    return rows
