"""`motcua mqtt_subscriber`: read the stations' MQTT topics and store their readings, until
stopped (see monitoring/mqtt.py). Needs MQTT_BROKER_URL."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motcua.monitoring.mqtt import Subscriber


class Command(BaseCommand):
    help = "Subscribe to <MQTT_TOPIC_PREFIX>/+/measurements and store the readings."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="", help="broker URL (default: MQTT_BROKER_URL)")
        parser.add_argument(
            "--max-delay", type=int, default=60, help="longest wait between reconnections (s)"
        )

    def handle(self, *args, url: str, max_delay: int, **options):
        url = url or settings.MQTT_BROKER_URL
        if not url:
            raise CommandError("MQTT_BROKER_URL is not set: nothing to subscribe to.")
        try:
            subscriber = Subscriber(
                url=url,
                prefix=settings.MQTT_TOPIC_PREFIX,
                client_id=settings.MQTT_CLIENT_ID,
                max_delay=max_delay,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        self.stdout.write(f"MQTT subscriber: {subscriber.topic} on {url.split('@')[-1]}")
        subscriber.run(stop)
