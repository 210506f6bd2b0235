"""A zone's dossiers as a background job (`jobs` kind "report"): the firms or parcels of the zone within the job
creator's scope, worked out again when the job runs (a role changed in between applies), rendered into one PDF
or a zip in the job's folder, with progress stored as each dossier is built."""

from django.utils.translation import gettext

from parkgov.accounts.scopes import scope_for
from parkgov.jobs.models import JobStatus
from parkgov.jobs.services import job_dir, report
from parkgov.reports import dossier_pdf as service


def run_dossier_job(job) -> None:
    """Render the job's batch (params: zone, kind "enterprise"/"parcel", zip) and store it as the job's output."""
    params = job.params
    scope = scope_for(job.created_by)
    scope.require(params.get("kind", "enterprise"))
    members = service.zone_members(scope=scope, zone_code=params["zone"], kind=params.get("kind", "enterprise"))
    firms, plots = ([], members) if params.get("kind") == "parcel" else (members, [])
    report(job.pk, progress=5, message=gettext("已找到 %(n)s 份档案") % {"n": len(members)})

    def progress(done, total):
        if done % 20 == 0 or done == total:
            report(job.pk, progress=5 + 75 * done // max(total, 1),
                   message=gettext("已整理 %(done)s/%(total)s 份档案") % {"done": done, "total": total})

    render = service.dossier_zip if params.get("zip") else service.dossier_pdf
    data = render(scope=scope, enterprises=firms, parcels=plots, progress=progress)
    report(job.pk, progress=95, message=gettext("写出文件"))
    path = job_dir(job) / f"{job.title}.{'zip' if params.get('zip') else 'pdf'}"
    path.write_bytes(data)
    report(job.pk, status=JobStatus.DONE, progress=100, output_file=str(path), result={"dossiers": len(members)},
           message=gettext("已生成 %(n)s 份档案") % {"n": len(members)})
