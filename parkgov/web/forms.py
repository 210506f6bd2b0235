"""Forms of the web pages; labels and errors go through gettext (Chinese msgids, English catalogue)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext, gettext_lazy as _

from parkgov.evaluation.ruleset import builtin_rulesets

UPLOAD_SUFFIXES = (".xlsx", ".gpkg", ".geojson", ".json")
XLSX_MAGIC = b"PK\x03\x04"


class UploadForm(forms.Form):
    file = forms.FileField(label=_("工作簿或图形文件"), help_text=_("xlsx 工作簿，或 GeoPackage / GeoJSON 图形文件"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name or ""
        if not name.lower().endswith(UPLOAD_SUFFIXES):
            raise forms.ValidationError(gettext("不支持的文件类型：%(name)s（可上传 %(allowed)s）") % {
                "name": name, "allowed": ", ".join(UPLOAD_SUFFIXES)})
        if upload.size > settings.PARKGOV_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(gettext("文件 %(size).1f MB，超过上限 %(limit)s MB") % {
                "size": upload.size / 1048576, "limit": settings.PARKGOV_UPLOAD_MAX_BYTES // 1048576})
        head = upload.read(4)
        upload.seek(0)
        if name.lower().endswith(".xlsx") and head != XLSX_MAGIC:
            raise forms.ValidationError(gettext("%(name)s 不是 xlsx 工作簿（内容与扩展名不符）") % {"name": name})
        if name.lower().endswith(".gpkg") and not head.startswith(b"SQLi"):
            raise forms.ValidationError(gettext("%(name)s 不是 GeoPackage 文件") % {"name": name})
        return upload


class EvaluationForm(forms.Form):
    year = forms.IntegerField(label=_("评价年度"), min_value=2000, max_value=2100)
    ruleset = forms.ChoiceField(label=_("规则集"))
    zone = forms.CharField(label=_("园区编码（可空）"), required=False, max_length=32)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ruleset"].choices = [(r.id, gettext("%(name)s（%(code)s）") % {"name": r.name, "code": r.id})
                                          for r in builtin_rulesets().values()]


class AdjustForm(forms.Form):
    new_class = forms.ChoiceField(label=_("调整为"), choices=[(c, c) for c in "ABCDT"])
    reason = forms.CharField(label=_("调档理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.CharField(widget=forms.HiddenInput, required=False)
