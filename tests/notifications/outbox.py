"""What the notifications outbox recorded, for tests of the apps that send messages: each
read goes to the database afresh, so a test can keep one object and compare it as a list."""

from collections.abc import Sequence

from motcua.notifications.models import Notification


class SmsOutbox(Sequence):
    """The SMS recorded, oldest first, as (phone, text)."""

    def _rows(self) -> list[tuple[str, str]]:
        return list(
            Notification.objects.filter(channel=Notification.Channel.SMS)
            .order_by("pk")
            .values_list("recipient_address", "body")
        )

    def __getitem__(self, index):
        return self._rows()[index]

    def __len__(self) -> int:
        return len(self._rows())

    def __eq__(self, other) -> bool:
        return self._rows() == list(other)


def emails_sent() -> list[Notification]:
    """The e-mails recorded, oldest first (address in `recipient_address`)."""
    return list(Notification.objects.filter(channel=Notification.Channel.EMAIL).order_by("pk"))
