"""`motcua load_demo_monitoring`: four demo air-quality stations in Lâm Đồng with the last three
days of hourly values (idempotent: stations are created once, values are upserted)."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from motcua.accounts.models import Agency
from motcua.core.models import Commune, Province
from motcua.monitoring import demo_data
from motcua.monitoring.ingestion import Reading, readings_store
from motcua.monitoring.models import Parameter, Source, Station
from motcua.monitoring.services import station_register

DAYS = 3


class Command(BaseCommand):
    help = "Load demo monitoring stations in Lâm Đồng with three days of hourly values."

    def handle(self, *args, **options):
        parameters = {p.code: p for p in Parameter.objects.filter(code__in=demo_data.PARAMETERS)}
        now = timezone.now()
        last_hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(
            hours=1
        )
        hours = [last_hour - timedelta(hours=h) for h in range(DAYS * 24 - 1, -1, -1)]
        created, stored = [], 0
        for demo in demo_data.STATIONS:
            station = Station.objects.filter(code=demo.code).first()
            if station is None:
                station, key = self._register(demo, parameters)
                created.append((station, key))
            readings = [
                Reading(parameters[code].pk, hour, value, True)
                for hour in hours
                for code, value in demo_data.hourly_values(demo, hour, now=now).items()
            ]
            stored += readings_store(
                station=station, readings=readings, source=Source.HTTP, now=now
            )
        if options["verbosity"]:
            self.stdout.write(
                f"Quan trắc mẫu: {len(demo_data.STATIONS)} trạm, {stored} giá trị giờ "
                f"({DAYS} ngày)."
            )
            for station, key in created:
                self.stdout.write(f"  Khóa gửi số liệu của trạm {station.code}: {key}")

    def _register(self, demo: demo_data.DemoStation, parameters: dict[str, Parameter]):
        commune = Commune.objects.filter(code=demo.commune).first()
        return station_register(
            actor=None,
            code=demo.code,
            name=demo.name,
            kind=Station.Kind.AUTOMATIC,
            latitude=demo.latitude,
            longitude=demo.longitude,
            owner=demo.owner,
            agency=Agency.objects.filter(code="H56.14").first(),
            province=Province.objects.filter(code="68").first() if commune else None,
            commune=commune,
            parameters=list(parameters.values()),
        )
