"""Optimistic locking for `VersionedModel`s: an update names the version it read, and loses
with a 409 (Conflict) if somebody saved in between, instead of silently overwriting them."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F

from motcua.core.errors import Conflict

STALE_MESSAGE = (
    "Dữ liệu đã được người khác thay đổi sau khi bạn mở. Vui lòng tải lại trang và thực hiện lại."
)


def save_versioned(
    instance: models.Model, *, expected_version: int, fields: list[str] | None = None
) -> None:
    """Write `instance` only if its row still has `expected_version`; bump the version.

    `fields` limits the columns written (default: every concrete, non-primary-key field)."""
    model = type(instance)
    names = fields or [
        field.name
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name != "version"
    ]
    values: dict[str, Any] = {
        model._meta.get_field(name).attname: getattr(instance, model._meta.get_field(name).attname)
        for name in names
    }
    updated = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
        version=F("version") + 1, **values
    )
    if updated != 1:
        raise Conflict(STALE_MESSAGE, code="stale_version", field="version")
    instance.version = expected_version + 1
