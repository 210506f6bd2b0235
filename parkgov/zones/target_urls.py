"""Pages of 目标与重点项目 (issue 16 §3), added to parkgov/zones/urls.py."""

from django.urls import path

from parkgov.zones import target_views as views

urlpatterns = [
    path("targets/", views.targets_index, name="targets"),
    path("targets/<stored:code>/<int:year>/", views.zone_targets, name="zone_targets"),
    path("targets/<stored:code>/<int:year>/edit/", views.zone_targets_edit, name="zone_targets_edit"),
    path("projects/", views.projects_index, name="projects"),
    path("projects/upload/", views.dispatch_upload, name="dispatch_upload"),
    path("projects/<stored:code>/", views.project_page, name="project"),
    path("projects/<stored:code>/dispatch/", views.project_dispatch, name="project_dispatch"),
    path("projects/<stored:code>/review/", views.project_review, name="project_review"),
    path("dispatch/<stored:code>/<int:year>/<int:month>/template.xlsx", views.dispatch_template_download,
         name="dispatch_template_download"),
]
