"""The demo's enterprise accounts and appeals (issue 16 §5), built after the zone evaluation.

The latest 2025 evaluation run is published (公示) from three working days ago for five working days, so appeals
may be filed today. Three firms get enterprise accounts (qiye1–qiye3, password qiye-demo-2026); eight firms have
appeals, one in every state of the workflow (one of them late), the 调整 one re-running the evaluation; one firm has
self-reported (自报) figures waiting for the departments to confirm them.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from parkgov.accounts.scopes import scope_for
from parkgov.appeals import config, selfreport, services
from parkgov.appeals.accounts import create_enterprise_account
from parkgov.appeals.models import Appeal
from parkgov.audit.context import acting_as
from parkgov.evaluation.models import EvaluationResult, EvaluationRun

PASSWORD = "qiye-demo-2026"
USERNAMES = ("qiye1", "qiye2", "qiye3")
# (state reached, appealed field, the steps after filing: (action, role, given))
SCRIPT = [
    ("submitted", "tax", []),
    ("accepted", "electricity_10k_kwh", [("accept", "economy", {})]),
    ("verified", "revenue", [("accept", "economy", {}), ("verify", "statistics", {"reason": "统计联网直报核对中"})]),
    ("maintained", "tax", [("accept", "economy", {}), ("verify", "tax", {"reason": "金税系统数据无误"}),
                           ("maintain", "economy", {"reason": "维持原值"})]),
    ("rejected", "result", [("reject", "committee", {"reason": "申诉事项不属于评价范围"})]),
    ("answered", "result", [("accept", "economy", {}), ("verify", "economy", {"reason": "研发加分漏计"}),
                            ("adjust", "economy", {"reason": "补计研发加分", "value": "B"}),
                            ("reply", "economy", {"reply": "经核查补计研发加分，类别调整为 B"})]),
    ("adjusted", "tax", [("accept", "economy", {}), ("verify", "tax", {"reason": "少计一笔入库税款"}),
                         ("adjust", "economy", {"reason": "按税务核查调整", "value": None})]),
]


def build_appeals(*, seed: int, actor, say) -> dict:
    """Accounts, the 公示 period, appeals in every state and self-reports; says how to log in."""
    run = EvaluationRun.objects.filter(year=2025).order_by("-created_at", "-pk").first()
    if run is None:
        return {}
    with transaction.atomic(), acting_as(actor, reason=f"演示园区 种子{seed}：企业申诉"):
        counts = _build(run=run, actor=actor)
    say("已生成企业申诉：{accounts} 个企业账号，{appeals} 件申诉（每个状态至少一件），{reports} 项企业自报".format(**counts))
    for line in login_lines():
        say(line)
    return counts


def login_lines() -> list:
    """How to log in as the demo's enterprises (printed by `make demo`)."""
    User = get_user_model()
    users = User.objects.filter(username__in=USERNAMES).select_related("profile__enterprise").order_by("username")
    rows = [f"  {u.username:<8} {PASSWORD}  {u.profile.enterprise.name}" for u in users]
    return ["企业账号（用户名 / 密码；只能看到本企业，登录后进入“本企业”页）："] + rows if rows else []


def _build(*, run, actor) -> dict:
    today = timezone.localdate()
    start = _working_days_back(today, 3)
    services.set_publicity(run=run, starts_on=start, actor=actor)
    firms = list(EvaluationResult.objects.filter(run=run, class_final__in=["B", "C", "D"], total__isnull=False)
                 .select_related("enterprise").order_by("enterprise__credit_code")[:len(SCRIPT) + 1])
    users = []
    for n, result in enumerate(firms):
        name = USERNAMES[n] if n < len(USERNAMES) else f"demo-firm-{n + 1}"
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            user, _password = create_enterprise_account(credit_code=result.enterprise.credit_code, username=name,
                                                        password=PASSWORD)
        users.append(user)
    staff = {u.username: u for u in get_user_model().objects.filter(username__in=[
        "economy", "committee", "tax", "statistics"])}
    filed = 0
    for (state, field, steps), user, result in zip(SCRIPT, users[1:], firms[1:]):
        if Appeal.objects.filter(enterprise=result.enterprise, run=run).exists():
            continue
        # the submitted appeal is filed on the first day, so its 受理 is late today
        on = start if state == "submitted" else today
        appeal = services.file_appeal(scope=scope_for(user), actor=user, run=run, field=field, today=on,
                                      claimed_value="B" if field == "result" else "",
                                      reason="演示：企业认为该项数据或结果有误")
        for action, role, given in steps:
            given = dict(given)
            if given.get("value", "") is None:
                given["value"] = f"{float(appeal.current_value or 0) * 1.3:.1f}"
            services.transition(appeal=appeal, action=action, scope=scope_for(staff[role]), actor=staff[role],
                                today=today, **given)
        filed += 1
    # this year's figures, reported before next spring's deadline
    reports = selfreport.report_figures(scope=scope_for(users[0]), actor=users[0], year=today.year,
                                        values={"tax": 120.0, "energy_tce": 850.0}, note="演示：企业自报",
                                        today=today) if users else []
    return {"accounts": len(users), "appeals": filed, "reports": len(reports)}


def _working_days_back(day: dt.date, days: int) -> dt.date:
    while days > 0:
        day -= dt.timedelta(days=1)
        days -= config.is_working_day(day)
    return day
