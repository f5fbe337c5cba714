"""The project's URLs plus a stand-in `dossiers:submit`, as the dossiers app will provide."""

from django.http import HttpResponse
from django.urls import include, path

from motcua.config.urls import urlpatterns as project_urlpatterns

submission = (
    [path("nop-ho-so/<str:code>/", lambda request, code: HttpResponse(code), name="submit")],
    "dossiers",
)
urlpatterns = [path("", include(submission)), *project_urlpatterns]
