"""Reads of notifications: a dossier's messages and a user's own in-app inbox."""

from __future__ import annotations

from django.db.models import QuerySet

from motcua.notifications.models import Notification


def notification_list_for_dossier(*, code: str) -> QuerySet[Notification]:
    """Every message sent about a dossier, oldest first. For staff who may see the dossier:
    the caller checks that before asking."""
    return Notification.objects.filter(dossier_code=code).order_by("created_at", "pk")


def inbox_notifications(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own in_app notifications, newest first."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    notifications = Notification.objects.filter(user=user, channel=Notification.Channel.IN_APP)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-pk")


def unread_count(*, user) -> int:
    return inbox_notifications(user=user, unread_only=True).count()
