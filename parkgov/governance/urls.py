"""Pages of 治理 (governance): findings, lists, 四个一批, cases. Each topic's views live in its own module."""

from django.urls import path

from parkgov.governance import (case_views, disposition_views, evidence_views, finding_views, layer_views,
                                list_views)

app_name = "governance"
urlpatterns = [
    path("", list_views.index, name="index"),
    path("lists/generate/", list_views.generate, name="lists_generate"),
    path("lists/export.xlsx", list_views.year_export, name="lists_export"),
    path("lists/<int:run_id>/", list_views.run_page, name="list"),
    path("lists/<int:run_id>/export.xlsx", list_views.run_export, name="list_export"),
    path("attachments/<int:pk>/", evidence_views.attachment, name="attachment"),
    path("findings/new/", finding_views.finding_new, name="finding_new"),
    path("findings/<int:pk>/", finding_views.finding_detail, name="finding"),
    path("findings/<int:pk>/edit/", finding_views.finding_edit, name="finding_edit"),
    path("findings/<int:pk>/status/", finding_views.finding_status, name="finding_status"),
    path("findings/<int:pk>/evidence/", finding_views.finding_evidence, name="finding_evidence"),
    path("layers/", layer_views.layers, name="layers"),
    path("dispositions/", disposition_views.dispositions, name="dispositions"),
    path("dispositions/suggest/", disposition_views.disposition_suggest, name="disposition_suggest"),
    path("dispositions/<int:pk>/decide/", disposition_views.disposition_decide, name="disposition_decide"),
    path("cases/", case_views.board, name="cases"),
    path("cases/new/", case_views.open_page, name="case_open"),
    path("cases/export.xlsx", case_views.cases_export, name="cases_export"),
    path("cases/import/", case_views.cases_import, name="cases_import"),
    path("cases/<stored:number>/", case_views.case_page, name="case"),
    path("cases/<stored:number>/act/", case_views.act, name="case_act"),
    path("cases/<stored:number>/sign/", case_views.sign, name="case_sign"),
    path("cases/<stored:number>/steps/<slug:code>/", case_views.step, name="case_step"),
    path("cases/<stored:number>/evidence/", case_views.evidence, name="case_evidence"),
]
