"""MQTT ingestion: a subscriber that reads every station's topic and stores the readings through
the same path as HTTP (monitoring/ingestion.py).

Stations publish to `<MQTT_TOPIC_PREFIX>/<station code>/measurements` with QoS 1 a JSON payload
like the HTTP body plus the station's key: {"station": "DL-01", "key": "<ingestion key>",
"readings": [...]}. The answer (stored count and rejections) is published, without QoS, to
`<prefix>/<station code>/results`.

Nothing is lost in an outage: the subscriber keeps a persistent session (clean_session off, a
fixed client id) and acknowledges a message only once it is stored, so the broker re-delivers
what was not; paho reconnects by itself with a growing delay. A message delivered twice is
stored once (every write is an upsert).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections
from django.utils.translation import gettext as _

from motcua.monitoring.ingestion import readings_ingest
from motcua.monitoring.models import Source
from motcua.monitoring.selectors import station_by_key

logger = logging.getLogger(__name__)

# Storing a message is retried this many times (database restarting...) before the message is
# left unacknowledged for the broker to deliver again.
STORE_ATTEMPTS = 5


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False

    @classmethod
    def from_url(cls, url: str) -> BrokerAddress:
        """mqtt://user:password@host:1883 or mqtts://host (TLS, port 8883 by default)."""
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl") or not parts.hostname:
            raise ValueError(f"MQTT_BROKER_URL must look like mqtt://host:1883, not {url!r}")
        tls = parts.scheme in ("mqtts", "ssl")
        return cls(
            host=parts.hostname,
            port=parts.port or (8883 if tls else 1883),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
        )


def station_code_of(topic: str, *, prefix: str) -> str | None:
    """ "motcua/stations/DL-01/measurements" -> "DL-01" (None for any other topic)."""
    head, _, rest = topic.partition(prefix.rstrip("/") + "/")
    code, _, tail = rest.partition("/")
    if head or not code or tail != "measurements":
        return None
    return code


def message_ingest(*, topic: str, payload: bytes, prefix: str) -> dict[str, Any]:
    """Store one message; return the answer for the station. Refusals of the whole message
    (bad JSON, wrong key, station not matching the topic) answer {"code", "message"}."""
    code = station_code_of(topic, prefix=prefix)
    try:
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return {"code": "invalid", "message": _("Nội dung không phải JSON hợp lệ.")}
    if not isinstance(body, dict):
        return {"code": "invalid", "message": _("Nội dung phải là một đối tượng JSON.")}
    key = body.get("key")
    station = station_by_key(raw=key) if isinstance(key, str) else None
    if station is None:
        return {"code": "unauthenticated", "message": _("Khóa gửi số liệu không đúng.")}
    if code != station.code or body.get("station", code) != code:
        return {
            "code": "station_mismatch",
            "message": _("Khóa này không phải của trạm %(code)s.") % {"code": code},
        }
    readings = body.get("readings")
    if not isinstance(readings, list):
        return {"code": "invalid", "message": _("readings phải là một danh sách số liệu.")}
    if len(readings) > settings.MONITORING_MAX_BATCH:
        return {
            "code": "too_large",
            "message": _("Tối đa %(count)s số liệu mỗi lần gửi.")
            % {"count": settings.MONITORING_MAX_BATCH},
        }
    return readings_ingest(station=station, items=readings, source=Source.MQTT).as_dict()


class Subscriber:
    """The paho client and its callbacks. `run()` blocks until `stop` is set."""

    def __init__(
        self,
        *,
        url: str,
        prefix: str,
        client_id: str,
        min_delay: int = 1,
        max_delay: int = 60,
        keepalive: int = 30,
    ):
        self.address = BrokerAddress.from_url(url)
        self.prefix = prefix.rstrip("/")
        self.keepalive = keepalive
        self.ready = threading.Event()
        self.stopping = False
        self.client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            manual_ack=True,
        )
        if self.address.username:
            self.client.username_pw_set(self.address.username, self.address.password)
        if self.address.tls:
            self.client.tls_set()
        self.client.reconnect_delay_set(min_delay=min_delay, max_delay=max_delay)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe

    @property
    def topic(self) -> str:
        return f"{self.prefix}/+/measurements"

    def run(self, stop: threading.Event) -> None:
        self.client.connect_async(self.address.host, self.address.port, keepalive=self.keepalive)
        self.client.loop_start()  # a network thread that also reconnects after an outage
        try:
            stop.wait()
        finally:
            self.stopping = True
            self.client.disconnect()
            self.client.loop_stop()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            logger.warning("MQTT broker refused the connection: %s", reason_code)
            return
        # Subscribing again after every reconnect: a restarted broker may have lost the session.
        client.subscribe(self.topic, qos=1)
        logger.info("MQTT connected to %s:%s, topic %s", *self._where(), self.topic)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        # Ready only once the broker has the subscription: a message sent earlier would be lost
        # by a broker that restarted without its sessions.
        if all(not code.is_failure for code in reason_codes):
            self.ready.set()
        else:
            logger.error("MQTT broker refused the subscription to %s", self.topic)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.ready.clear()
        if self.stopping:
            # The network thread's own database connection, opened by _on_message.
            connections.close_all()
            return
        logger.warning("MQTT disconnected (%s); reconnecting", reason_code)

    def _where(self) -> tuple[str, int]:
        return self.address.host, self.address.port

    def _on_message(self, client, userdata, message) -> None:
        for attempt in range(1, STORE_ATTEMPTS + 1):
            close_old_connections()
            try:
                answer = message_ingest(
                    topic=message.topic, payload=message.payload, prefix=self.prefix
                )
            except DatabaseError:
                logger.exception("storing MQTT message failed (attempt %s)", attempt)
                time.sleep(min(2**attempt, 30))
                continue
            client.ack(message.mid, message.qos)
            self._answer(message.topic, answer)
            return
        logger.error("MQTT message on %s left for re-delivery", message.topic)

    def _answer(self, topic: str, answer: dict[str, Any]) -> None:
        code = station_code_of(topic, prefix=self.prefix)
        if "code" in answer:
            logger.warning("MQTT message on %s refused: %s", topic, answer["message"])
        if code:
            self.client.publish(
                f"{self.prefix}/{code}/results", json.dumps(answer, ensure_ascii=False), qos=0
            )
