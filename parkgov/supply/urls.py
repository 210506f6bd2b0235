"""Pages of 供地与准入 (supply): applications and their joint review, contracts and 达产复核, idle land, control
indicators and 零增地, land quota. Each topic's views live in its own module."""

from django.urls import path

from parkgov.supply import admission_views, views

app_name = "supply"
urlpatterns: list = [path("", views.index, name="index")]  # the 供地 landing page (surfaces)
urlpatterns += [  # admission (准入联审)
    path("applications/", admission_views.applications, name="applications"),
    path("applications/new/", admission_views.application_new, name="application_new"),
    path("applications/export.xlsx", admission_views.applications_export, name="applications_export"),
    path("applications/documents/<int:pk>/", admission_views.application_document, name="application_document"),
    path("applications/<stored:number>/", admission_views.application_page, name="application"),
    path("applications/<stored:number>/edit/", admission_views.application_edit, name="application_edit"),
    path("applications/<stored:number>/record/", admission_views.application_record, name="application_record"),
    path("applications/<stored:number>/act/", admission_views.application_act, name="application_act"),
    path("applications/<stored:number>/opinion/", admission_views.application_opinion, name="application_opinion"),
    path("applications/<stored:number>/decide/", admission_views.application_decide, name="application_decide"),
    path("applications/<stored:number>/contract/", admission_views.application_contract,
         name="application_contract"),
    path("applications/<stored:number>/documents/", admission_views.application_documents,
         name="application_documents"),
]

from parkgov.supply import contract_views  # noqa: E402  (each topic appends its own patterns)

urlpatterns += [
    path("contracts/", contract_views.contracts, name="contracts"),
    path("contracts/export/", contract_views.contracts_export, name="contracts_export"),
    path("contracts/<int:contract_id>/", contract_views.contract_detail, name="contract"),
    path("contracts/<int:contract_id>/edit/", contract_views.contract_edit, name="contract_edit"),
    path("reviews/start/", contract_views.review_start, name="review_start"),
    path("reviews/<int:run_id>/export/", contract_views.review_export, name="review_export"),
]

from parkgov.supply import idle_views  # noqa: E402

# 闲置土地 (idle branch)
urlpatterns += [
    path("idle/", idle_views.idle_list, name="idle"),
    path("idle/export.xlsx", idle_views.idle_export, name="idle_export"),
    path("idle/<str:code>/", idle_views.idle_parcel, name="idle_parcel"),
    path("idle/<str:code>/notices/new/", idle_views.notice_form, name="idle_notice_new"),
    path("idle/<str:code>/notices/<int:pk>/", idle_views.notice_form, name="idle_notice_edit"),
    path("idle/<str:code>/exceptions/new/", idle_views.exception_form, name="idle_exception_new"),
    path("idle/<str:code>/exceptions/<int:pk>/", idle_views.exception_form, name="idle_exception_edit"),
]

from parkgov.supply import landuse_views  # noqa: E402

# landuse: control indicators, 零增地, land quota
urlpatterns += [
    path("control/", landuse_views.control_page, name="control"),
    path("control/export.xlsx", landuse_views.control_export, name="control_export"),
    path("renovations/", landuse_views.renovations_page, name="renovations"),
    path("renovations/new/", landuse_views.renovation_new, name="renovation_new"),
    path("renovations/<int:pk>/edit/", landuse_views.renovation_edit, name="renovation_edit"),
    path("quota/", landuse_views.quota_page, name="quota"),
    path("quota/transfer/", landuse_views.quota_transfer, name="quota_transfer"),
    path("quota/transfers/<int:pk>/decide/", landuse_views.quota_decide, name="quota_decide"),
    path("quota/<stored:code>/", landuse_views.quota_account, name="quota_account"),
    path("quota/<stored:code>/debit/", landuse_views.quota_debit, name="quota_debit"),
]
