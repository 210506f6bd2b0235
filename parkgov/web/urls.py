from django.contrib.auth import views as auth_views
from django.urls import path

from parkgov.spatial import topology_views
from parkgov.spatial.views import (map_measure, map_page, map_reference, map_search, map_selection_export,
                                   parcel_at_point, parcel_feature, tile)
from parkgov.web import dossiers, exports, lists, views

app_name = "web"
urlpatterns = [
    path("", views.cockpit, name="cockpit"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("import/", views.import_page, name="import"),
    path("jobs/<uuid:job_id>/", views.job, name="job"),
    path("jobs/<uuid:job_id>/download/", views.job_download, name="job_download"),
    path("jobs/<uuid:job_id>/retry/", views.job_retry, name="job_retry"),  # issue 18: 中断 or 失败 → run again
    path("jobs/<uuid:job_id>/cancel/", views.job_cancel, name="job_cancel"),  # issue 18: its owner stops it
    path("evaluation/", views.evaluation, name="evaluation"),
    path("evaluation/results/<int:result_id>/adjust/", views.adjust, name="adjust"),
    path("evaluation/runs/<int:run_id>/download/", views.evaluation_download, name="evaluation_download"),
    path("audit/", views.audit, name="audit"),
    # pages added by the map, lists and dossiers work (same app):
    path("map/", map_page, name="map"),
    path("map/search.json", map_search, name="map_search"),
    path("map/measure.json", map_measure, name="map_measure"),
    path("map/layers/<slug:code>.geojson", map_reference, name="map_reference"),
    path("map/selection.<str:fmt>", map_selection_export, name="map_selection_export"),
    path("map/topology/", topology_views.topology_page, name="topology"),
    path("map/topology/check/", topology_views.topology_start, name="topology_start"),
    path("map/topology/problems.<str:fmt>", topology_views.topology_download, name="topology_download"),
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.pbf", tile, name="tile"),
    path("tiles/parcels/<int:parcel_id>.json", parcel_feature, name="parcel_feature"),
    path("tiles/parcels/at.json", parcel_at_point, name="parcel_at_point"),
    path("enterprises/", lists.enterprises, name="enterprises"),
    path("enterprises/export.xlsx", exports.enterprises_export, name="enterprises_export"),
    path("enterprises/<stored:credit_code>/", dossiers.enterprise, name="enterprise"),
    path("parcels/", lists.parcels, name="parcels"),
    path("parcels/export.xlsx", exports.parcels_export, name="parcels_export"),
    path("parcels/<stored:code>/", dossiers.parcel, name="parcel"),
    path("findings/", lists.findings, name="findings"),
    path("findings/export.xlsx", exports.findings_export, name="findings_export"),
]
