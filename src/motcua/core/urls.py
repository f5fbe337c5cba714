"""Pages of the shared kernel."""

app_name = "core"
urlpatterns: list = []
