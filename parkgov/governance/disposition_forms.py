"""Forms of the reference-layer and 四个一批 pages; labels and errors through gettext (Chinese msgids)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext, gettext_lazy as _

from parkgov.governance.choices import Disposition, ReferenceLayerKind

LAYER_SUFFIXES = (".gpkg", ".geojson", ".json", ".zip")


class LayerUploadForm(forms.Form):
    file = forms.FileField(label=_("图形文件"), help_text=_("GeoPackage、GeoJSON，或把 Shapefile 各文件打成一个 zip"))
    code = forms.SlugField(label=_("图层编码"), max_length=40, help_text=_("同一编码再次上传即整体替换该图层"))
    name = forms.CharField(label=_("图层名称"), max_length=120)
    kind = forms.ChoiceField(label=_("类型"), choices=ReferenceLayerKind.choices)
    source = forms.CharField(label=_("来源"), max_length=300, help_text=_("批准文件或数据提供单位、年份"))
    verified = forms.BooleanField(label=_("来源已核实"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name or ""
        if not name.lower().endswith(LAYER_SUFFIXES):
            raise forms.ValidationError(gettext("不支持的文件类型：%(name)s（可上传 %(allowed)s）") % {
                "name": name, "allowed": ", ".join(LAYER_SUFFIXES)})
        if upload.size > settings.PARKGOV_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(gettext("文件 %(size).1f MB，超过上限 %(limit)s MB") % {
                "size": upload.size / 1048576, "limit": settings.PARKGOV_UPLOAD_MAX_BYTES // 1048576})
        return upload


class DispositionFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    zone = forms.ChoiceField(label=_("园区"), required=False)
    suggested = forms.ChoiceField(label=_("建议处置"), required=False,
                                  choices=[("", _("全部"))] + list(Disposition.choices))
    decided = forms.ChoiceField(label=_("是否已决定"), required=False,
                                choices=[("", _("全部")), ("no", _("未决定")), ("yes", _("已决定"))])

    def __init__(self, *args, zones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].choices = [("", _("全部"))] + [(str(z.pk), z.name) for z in zones]


class SuggestForm(forms.Form):
    year = forms.IntegerField(label=_("清单年度"), min_value=2000, max_value=2100)


class DecideForm(forms.Form):
    disposition = forms.ChoiceField(label=_("决定处置"), choices=Disposition.choices)
    reasons = forms.CharField(label=_("决定理由"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("与建议不同时必填"))
