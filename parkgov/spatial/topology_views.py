"""The 拓扑检查 page: the latest check's problems within the user's parks, their downloads, and a new check."""

import tempfile
from pathlib import Path

from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from parkgov.accounts.pages import scoped
from parkgov.accounts.scopes import with_children
from parkgov.jobs.services import start_job
from parkgov.ledger.models import Zone
from parkgov.spatial import topology
from parkgov.spatial.topology_checks import latest_run, run_problems, write_problems

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "gpkg": "application/geopackage+sqlite3"}


@scoped("parcel")
def topology_page(request, scope):
    run = latest_run()
    kind = request.GET.get("kind") if request.GET.get("kind") in topology.KINDS else ""
    zone = _zone(request, scope)
    zone_ids = with_children([zone.pk]) if zone else scope.zone_ids
    rules = topology.topology_rules()
    context = {"run": run, "kind": kind, "zone": zone, "zones": scope.filter_zones(Zone.objects.order_by("code"), path="id"),
               "can_check": scope.can_write("parcel"), "rules": rules}
    if run is not None:
        problems = run_problems(run=run, zone_ids=zone_ids)
        counts = {k: 0 for k in topology.KINDS}
        for found in problems.values_list("kind", flat=True):
            counts[found] += 1
        names = {k: gettext(label.name) for k, label in rules.kinds.items()}
        context["cards"] = [{"kind": k, "name": names[k], "count": n} for k, n in counts.items()]
        context["page"] = Paginator(problems.filter(kind=kind) if kind else problems, 50).get_page(request.GET.get("page"))
        context["names"] = names
    return render(request, "spatial/topology.html", context)


@scoped("parcel")
def topology_download(request, scope, fmt):
    run = latest_run()
    if run is None or fmt not in FORMATS:
        return redirect("web:topology")
    zone = _zone(request, scope)
    problems = run_problems(run=run, zone_ids=with_children([zone.pk]) if zone else scope.zone_ids)
    stamp = f"{timezone.localtime(run.created_at):%Y%m%d}{'-' + zone.code if zone else ''}"
    with tempfile.TemporaryDirectory(prefix="topology-") as folder:  # this request's own file
        path = Path(folder) / f"拓扑检查-{stamp}.{fmt}"
        write_problems(path=path, problems=problems, run=run)
        handle = open(path, "rb")
    return FileResponse(handle, as_attachment=True, filename=path.name, content_type=FORMATS[fmt])


@require_POST
@scoped("parcel", write=True)
def topology_start(request, scope):
    zone = _zone(request, scope)
    if zone is None and scope.zone_ids is not None:  # a park-scoped user checks its own park
        zone = scope.filter_zones(Zone.objects.order_by("code"), path="id").first()
    title = gettext("拓扑检查（%(zone)s）") % {"zone": zone.name if zone else gettext("全部园区")}
    job = start_job(kind="topology", title=title, user=request.user, params={"zone": zone.code if zone else ""})
    return redirect("web:job", job_id=job.pk)


def _zone(request, scope):
    code = request.GET.get("zone") or request.POST.get("zone")
    return scope.filter_zones(Zone.objects.filter(code=code), path="id").first() if code else None
