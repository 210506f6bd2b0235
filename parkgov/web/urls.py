from django.contrib.auth import views as auth_views
from django.urls import path

from parkgov.web import views

app_name = "web"
urlpatterns = [
    path("", views.cockpit, name="cockpit"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("import/", views.import_page, name="import"),
    path("jobs/<uuid:job_id>/", views.job, name="job"),
    path("jobs/<uuid:job_id>/download/", views.job_download, name="job_download"),
    path("evaluation/", views.evaluation, name="evaluation"),
    path("evaluation/results/<int:result_id>/adjust/", views.adjust, name="adjust"),
    path("evaluation/runs/<int:run_id>/download/", views.evaluation_download, name="evaluation_download"),
    path("audit/", views.audit, name="audit"),
    # pages added by the map, lists and dossiers work (same app):
    path("map/", views.placeholder, name="map"),
    path("enterprises/", views.placeholder, name="enterprises"),
    path("enterprises/<str:credit_code>/", views.placeholder, name="enterprise"),
    path("parcels/", views.placeholder, name="parcels"),
    path("parcels/<str:code>/", views.placeholder, name="parcel"),
    path("findings/", views.placeholder, name="findings"),
]
