"""Environmental monitoring stations, measurements and VN_AQI."""

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "motcua.monitoring"
    label = "monitoring"
