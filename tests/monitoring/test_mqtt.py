"""MQTT ingestion against a real Mosquitto broker (Debian package `mosquitto`).

Each test starts its own broker on a free loopback port. Without mosquitto the broker tests are
skipped locally and fail under CI=true."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from django.db import OperationalError

from motcua.monitoring.models import HourlyMeasurement, RawReading
from motcua.monitoring.mqtt import BrokerAddress, Subscriber, message_ingest, station_code_of
from tests.monitoring.factories import hours_ago, reading, station_with_key

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PREFIX = "motcua/stations"


def _mosquitto() -> str | None:
    return shutil.which("mosquitto") or next(
        (path for path in ("/usr/sbin/mosquitto", "/usr/bin/mosquitto") if Path(path).exists()),
        None,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Broker:
    """A mosquitto process on 127.0.0.1:<port> that a test can stop and start again."""

    def __init__(self, executable: str, folder: Path):
        self.executable = executable
        self.port = _free_port()
        self.config = folder / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        )
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.executable, "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def broker(tmp_path):
    executable = _mosquitto()
    if executable is None:
        message = "mosquitto not found (apt-get install mosquitto)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    running = Broker(executable, tmp_path)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def subscriber(broker):
    running = Subscriber(
        url=broker.url, prefix=PREFIX, client_id="motcua-test-subscriber", max_delay=1
    )
    stop = threading.Event()
    thread = threading.Thread(target=running.run, args=(stop,), daemon=True)
    thread.start()
    assert running.ready.wait(10), "the subscriber did not connect"
    yield running
    stop.set()
    thread.join(timeout=10)


def publish(broker: Broker, topic: str, payloads: list[dict]) -> None:
    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        for payload in payloads:
            client.publish(topic, json.dumps(payload), qos=1).wait_for_publish(timeout=10)
    finally:
        client.disconnect()
        client.loop_stop()


def wait_for(condition, *, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OperationalError:
            pass  # SQLite's shared in-memory test database: the subscriber thread is writing
        time.sleep(0.1)
    return condition()


@pytest.mark.django_db(transaction=True)
def test_a_day_of_raw_readings_published_over_mqtt_is_stored(broker, subscriber):
    # given a station reporting every 5 minutes
    station, key = station_with_key(code="MQ-01", reporting_interval_minutes=5)
    first_hour = hours_ago(24)
    # when it publishes a day of PM2.5 readings, one message an hour, each sent twice (QoS 1
    # re-delivery after a lost acknowledgement looks the same)
    messages = [
        {
            "station": "MQ-01",
            "key": key,
            "readings": [
                reading("PM2.5", first_hour + timedelta(hours=h, minutes=5 * i), 20 + h, "raw")
                for i in range(12)
            ],
        }
        for h in range(24)
    ]
    publish(broker, f"{PREFIX}/MQ-01/measurements", messages + messages[-2:])
    # then the 288 readings are stored once and averaged into 24 hourly means
    assert wait_for(lambda: HourlyMeasurement.objects.filter(station=station).count() == 24)
    assert wait_for(
        lambda: RawReading.objects.filter(station=station, source="mqtt").count() == 288
    )

    def first_and_last_means() -> tuple[float | None, float | None]:
        means = dict(HourlyMeasurement.objects.values_list("hour_start", "value"))
        return means.get(first_hour), means.get(first_hour + timedelta(hours=23))

    assert wait_for(lambda: first_and_last_means() == (20.0, 43.0))


@pytest.mark.django_db(transaction=True)
def test_the_subscriber_reconnects_after_a_broker_outage(broker, subscriber):
    # given a station and a running subscriber
    station, key = station_with_key(code="MQ-02")
    topic = f"{PREFIX}/MQ-02/measurements"
    publish(broker, topic, [{"key": key, "readings": [reading("PM10", hours_ago(3), 40)]}])
    assert wait_for(lambda: HourlyMeasurement.objects.filter(station=station).count() == 1)
    # when the broker goes down and comes back on the same port
    broker.stop()
    assert wait_for(lambda: not subscriber.ready.is_set(), seconds=10)
    broker.start()
    # then the subscriber reconnects by itself and stores what the station sends next
    assert subscriber.ready.wait(15), "the subscriber did not reconnect"
    publish(broker, topic, [{"key": key, "readings": [reading("PM10", hours_ago(2), 45)]}])
    assert wait_for(lambda: HourlyMeasurement.objects.filter(station=station).count() == 2)


@pytest.mark.django_db(transaction=True)
def test_a_message_with_a_wrong_key_is_dropped_and_answered(broker, subscriber):
    # given a station, and a client listening to its results topic
    station_with_key(code="MQ-03")
    answers: list[dict] = []
    subscribed = threading.Event()
    listener = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
    listener.on_message = lambda client, userdata, message: answers.append(
        json.loads(message.payload)
    )
    listener.on_subscribe = lambda *args: subscribed.set()
    listener.connect("127.0.0.1", broker.port)
    listener.subscribe(f"{PREFIX}/MQ-03/results", qos=1)
    listener.loop_start()
    try:
        assert subscribed.wait(10)
        # when someone publishes readings with a wrong key
        publish(
            broker,
            f"{PREFIX}/MQ-03/measurements",
            [{"key": "x" * 43, "readings": [reading("PM10", hours_ago(1), 1)]}],
        )
        # then nothing is stored and the answer says why
        assert wait_for(lambda: bool(answers))
    finally:
        listener.disconnect()
        listener.loop_stop()
    assert answers[0]["code"] == "unauthenticated"
    assert not HourlyMeasurement.objects.exists()


@pytest.mark.django_db
def test_a_key_only_opens_its_own_station_topic():
    _, key_a = station_with_key(code="MQ-04")
    station_with_key(code="MQ-05")
    payload = json.dumps({"key": key_a, "readings": [reading("PM10", hours_ago(1), 1)]}).encode()
    answer = message_ingest(topic=f"{PREFIX}/MQ-05/measurements", payload=payload, prefix=PREFIX)
    assert answer["code"] == "station_mismatch"
    answer = message_ingest(topic=f"{PREFIX}/MQ-04/measurements", payload=payload, prefix=PREFIX)
    assert answer == {"stored": 1, "rejected": []}


@pytest.mark.parametrize(
    ("topic", "code"),
    [
        ("motcua/stations/DL-01/measurements", "DL-01"),
        ("motcua/stations/DL-01/results", None),
        ("other/DL-01/measurements", None),
        ("motcua/stations//measurements", None),
        ("motcua/stations/a/b/measurements", None),
    ],
)
def test_the_station_code_comes_from_the_topic(topic, code):
    assert station_code_of(topic, prefix=PREFIX) == code


def test_broker_urls():
    assert BrokerAddress.from_url("mqtt://u:p%40ss@broker.local") == BrokerAddress(
        "broker.local", 1883, "u", "p@ss", False
    )
    assert BrokerAddress.from_url("mqtts://broker.local").port == 8883
    with pytest.raises(ValueError):
        BrokerAddress.from_url("http://broker.local")


def test_the_subscriber_command_needs_a_broker_url(settings):
    from django.core.management import CommandError, call_command

    settings.MQTT_BROKER_URL = ""
    with pytest.raises(CommandError, match="MQTT_BROKER_URL"):
        call_command("mqtt_subscriber")
