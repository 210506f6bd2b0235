"""The audit page: history rows of every ledger, evaluation and governance model, newest first, filtered by who, what and when."""

from itertools import chain

from django.contrib.auth import get_user_model
from django.utils.translation import gettext, gettext_lazy

from parkgov.audit.history import history_records
from parkgov.evaluation.models import EvaluationResult
from parkgov.governance.models import Case, CaseSignoff, CaseStep, DispositionDecision, ReferenceLayer, \
    RevitalisationTarget
from parkgov.ledger.models import Enterprise, Finding, LandLink, Parcel, YearlyFigure, Zone

MODELS = {"zone": Zone, "parcel": Parcel, "enterprise": Enterprise, "link": LandLink, "yearly": YearlyFigure,
          "finding": Finding, "evaluation": EvaluationResult, "case": Case, "signoff": CaseSignoff,
          "case_step": CaseStep, "disposition": DispositionDecision, "reference_layer": ReferenceLayer,
          "revitalisation_target": RevitalisationTarget}
TYPES = {"+": gettext_lazy("新增"), "~": gettext_lazy("修改"), "-": gettext_lazy("删除")}


def audit_rows(params, limit=2000):
    """Recent history records as display rows, with the filters that were applied."""
    what = params.get("what") if params.get("what") in MODELS else None
    who = params.get("who", "").strip()
    since = _date(params.get("since", ""))
    models = [MODELS[what]] if what else MODELS.values()
    querysets = []
    for model in models:
        records = history_records(model).select_related("history_user").order_by("-history_date")
        if who:
            user = get_user_model().objects.filter(username=who).first()
            records = records.filter(history_user=user) if user else records.none()
        if since:
            records = records.filter(history_date__date__gte=since)
        querysets.append(records[:limit])
    rows = sorted(chain.from_iterable(querysets), key=lambda r: r.history_date, reverse=True)[:limit]
    return [_row(r) for r in rows], {"what": what or "", "who": who, "since": since or "",
                                                   "models": {k: str(m._meta.verbose_name) for k, m in MODELS.items()}}


def _date(text):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def _row(record):
    changes = ""
    if record.history_type == "~" and record.prev_record is not None:
        delta = record.diff_against(record.prev_record)
        changes = "；".join(f"{c.field}: {c.old} → {c.new}" for c in delta.changes if c.field != "geometry")[:300]
    return {"when": record.history_date, "who": record.history_user or gettext("系统"),
            "type": TYPES[record.history_type],
            "model": record.instance._meta.verbose_name, "object": str(record.instance)[:60],
            "reason": record.history_change_reason or "", "changes": changes}
