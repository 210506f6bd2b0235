"""The reference-layer page: the layers with their source, and an upload form for the roles that maintain land
(`zone` or `parcel` write: 自然资源和规划, administrators). The upload calls `layers.import_layer` once."""

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from parkgov.audit.context import acting_as
from parkgov.errors import InputError
from parkgov.governance.disposition_forms import LayerUploadForm
from parkgov.governance.layers import import_layer, layer_rows
from parkgov.jobs.services import upload_name
from parkgov.accounts.pages import scoped


def may_upload(scope) -> bool:
    """Whether the role maintains land records and so may import reference layers."""
    return scope.can_write("zone") or scope.can_write("parcel")


@scoped("parcel")
def layers(request, scope):
    form = LayerUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not may_upload(scope):
            raise PermissionDenied(gettext("您的角色不能导入参考图层"))
        if form.is_valid():
            try:
                report = _import(request, form)
                messages.success(request, gettext("已导入参考图层“%(name)s”：%(count)s 个要素") % {
                    "name": report.layer.name, "count": report.features})
                return redirect("governance:layers")
            except InputError as exc:
                form.add_error(None, str(exc))
    return render(request, "governance/layers.html", {"layers": layer_rows(), "form": form,
                                                      "may_upload": may_upload(scope)})


def _import(request, form):
    data = form.cleaned_data
    upload = data["file"]
    with tempfile.TemporaryDirectory(prefix="layer-") as folder:
        path = Path(folder) / upload_name(upload.name)
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        with acting_as(request.user, reason=f"导入参考图层 {upload.name}"), transaction.atomic():
            return import_layer(path=path, file_name=upload.name, code=data["code"], name=data["name"],
                                kind=data["kind"], source=data["source"], verified=data["verified"],
                                actor=request.user)
