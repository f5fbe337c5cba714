"""The same payment result arriving twice at the same moment (the IPN and the browser's return,
or an IPN retried at once), in real concurrent transactions on PostgreSQL: applied exactly once,
the other answered "already confirmed"; and a double click on "pay" opens one attempt."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from motcua.core.models import AuditEntry
from motcua.payments.models import CallbackOutcome, Payment, PaymentStatus
from motcua.payments.services import payment_apply_callback, payment_start
from tests.payments.conftest import vnpay_result

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="SQLite runs one writer at a time, so there is no real race to test; CI runs "
        "this file on PostgreSQL (DATABASE_URL=postgres://...)",
    ),
]


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads, each on its own connection, released together."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except BaseException as error:  # checked by the test, not lost in the thread
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.mark.parametrize("sources", [("ipn", "return"), ("ipn", "ipn")])
def test_a_result_arriving_twice_at_once_is_applied_once(dossier, sources):
    payment = payment_start(dossier=dossier, actor=dossier.owner, gateway="vnpay").payment
    result = vnpay_result(payment.order_ref)
    answers = race(
        *(
            lambda source=source: payment_apply_callback(
                gateway="vnpay", params=result, source=source
            )
            for source in sources
        )
    )
    assert sorted(answer.code for answer in answers) == ["00", "02"], answers
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.callbacks.filter(outcome=CallbackOutcome.APPLIED).count() == 1
    assert AuditEntry.objects.filter(action="payment.paid", object_id=str(payment.pk)).count() == 1


def test_a_double_click_on_pay_opens_one_attempt(dossier):
    results = race(
        *(
            lambda: payment_start(dossier=dossier, actor=dossier.owner, gateway="vnpay")
            for _ in range(2)
        )
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert Payment.objects.filter(dossier=dossier).count() == 1
    assert sorted(r.resumed for r in results) == [False, True]
