"""Environmental monitoring stations, measurements and VN_AQI."""

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "motcua.monitoring"
    label = "monitoring"

    def ready(self) -> None:
        # Registers the AQI recomputation with monitoring/aqi_hooks.py.
        from motcua.monitoring import tasks_aqi  # noqa: F401
