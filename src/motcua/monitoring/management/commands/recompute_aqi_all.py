"""`motcua recompute_aqi_all`: rewrite every station's hourly and daily VN_AQI and walk its
alerts (after loading demo data, a change of the formula, a restored backup)."""

from django.core.management.base import BaseCommand

from motcua.monitoring.aqi_services import aqi_recompute_stations


class Command(BaseCommand):
    help = "Recompute the hourly and daily VN_AQI of every station from its valid hourly data."

    def handle(self, *args, **options):
        done = aqi_recompute_stations()
        if options["verbosity"]:
            self.stdout.write(
                f"VN_AQI: {done.hourly} chỉ số giờ, {done.daily} chỉ số ngày, "
                f"{done.alerts_opened} cảnh báo mới."
            )
