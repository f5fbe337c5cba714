"""Payments test set-up: an office with a fee-bearing procedure (50.000 đồng per copy, two
copies: 100.000 đồng), the "paid before reception" rule on, helpers that sign gateway messages
the way the bank does (written here, independently of motcua.payments.gateways), and the
sandbox payment server as a real process."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import pytest
import requests

from tests.dossiers.backoffice_samples import Office, office, submitted

TMN_CODE = "TESTTMN1"
HASH_SECRET = "test-vnpay-hash-secret"
NATIONAL_MERCHANT = "TESTMERCHANT"
NATIONAL_SECRET = "test-national-secret"
FEE_TOTAL = 100_000


@pytest.fixture(autouse=True)
def _gateway_settings(settings):
    settings.PAYMENT_REQUIRED = True
    settings.SITE_URL = "http://testserver"
    settings.VNPAY_TMN_CODE = TMN_CODE
    settings.VNPAY_HASH_SECRET = HASH_SECRET
    settings.VNPAY_PAYMENT_URL = "http://bank.test/paymentv2/vpcpay.html"
    settings.VNPAY_API_URL = "http://bank.test/merchant_webapi/api/transaction"
    settings.NATIONAL_PAYMENT_MERCHANT = NATIONAL_MERCHANT
    settings.NATIONAL_PAYMENT_SECRET = NATIONAL_SECRET
    settings.NATIONAL_PAYMENT_URL = "http://bank.test/national"
    settings.PAYMENT_TIMEOUT_SECONDS = 3


@pytest.fixture
def place(administrative_units) -> Office:
    return office()


@pytest.fixture
def dossier(place):
    """An online dossier, submitted (status new), owing 100.000 đồng."""
    return submitted(place)


# --- The bank's side, written independently --------------------------------------------------


def vnpay_sign(params: dict[str, str], secret: str = HASH_SECRET) -> str:
    data = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in sorted(params.items()))
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def vnpay_result(
    order_ref: str,
    amount: int = FEE_TOTAL,
    *,
    code: str = "00",
    tmn: str = TMN_CODE,
    secret: str = HASH_SECRET,
    transaction_no: str = "14000123",
) -> dict[str, str]:
    """What VNPay sends to the IPN and the return URL after a payment."""
    params = {
        "vnp_Amount": str(amount * 100),
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": f"VNP{transaction_no}",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": "Thanh toan le phi ho so",
        "vnp_PayDate": "20261123103000",
        "vnp_ResponseCode": code,
        "vnp_TmnCode": tmn,
        "vnp_TransactionNo": transaction_no,
        "vnp_TransactionStatus": "00" if code == "00" else "02",
        "vnp_TxnRef": order_ref,
    }
    return {**params, "vnp_SecureHash": vnpay_sign(params, secret)}


def national_result(order_ref: str, amount: int = FEE_TOTAL, *, code: str = "00") -> bytes:
    return json.dumps(
        {
            "merchant_code": NATIONAL_MERCHANT,
            "order_ref": order_ref,
            "amount": amount,
            "currency": "VND",
            "error_code": code,
            "transaction_ref": "NPP1001",
            "bank_code": "VCB",
            "paid_at": "20261123103000",
            "receipt_url": "http://bank.test/national/receipts/NPP1001",
        },
        sort_keys=True,
    ).encode()


def national_signature(body: bytes, secret: str = NATIONAL_SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def ipn(client, params: dict[str, str]) -> dict[str, Any]:
    response = client.get("/thanh-toan/cong/vnpay/ipn/", params)
    assert response.status_code == 200
    return response.json()


# --- The sandbox payment server, as a real process -------------------------------------------


@dataclass
class Sandbox:
    url: str

    def control(self, **changes: Any) -> dict:
        response = requests.post(f"{self.url}/_control", json=changes, timeout=5)
        assert response.status_code == 200, response.text
        return response.json()

    def confirm(self, payment_url: str, choice: str = "pay") -> str:
        """Open the payment page and press a button, as the applicant would; returns the
        address the browser is sent back to."""
        page = requests.get(payment_url, timeout=5)
        assert page.status_code == 200, page.text
        action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
        txn = re.search(r'name="txn" value="([^"]+)"', page.text).group(1)
        response = requests.post(
            self.url + action,
            data={"txn": txn, "choice": choice, "bank": "NCB"},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 303, response.text
        return response.headers["Location"]


@pytest.fixture(scope="session")
def _sandbox_url():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "motcua.payments.sandbox",
            "--port",
            "0",
            "--tmn-code",
            TMN_CODE,
            "--hash-secret",
            HASH_SECRET,
            "--national-merchant",
            NATIONAL_MERCHANT,
            "--national-secret",
            NATIONAL_SECRET,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    found = re.search(r"http://\S+", line)
    assert found, f"the sandbox did not start: {line!r}"
    yield found.group(0)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def sandbox(_sandbox_url, settings) -> Sandbox:
    """The sandbox, with Motcua's gateways pointed at it; notifications off unless a test
    says where to send them."""
    settings.VNPAY_PAYMENT_URL = f"{_sandbox_url}/paymentv2/vpcpay.html"
    settings.VNPAY_API_URL = f"{_sandbox_url}/merchant_webapi/api/transaction"
    settings.NATIONAL_PAYMENT_URL = f"{_sandbox_url}/national"
    bank = Sandbox(_sandbox_url)
    bank.control(ipn_mode="none", ipn_delay=0, ipn_url="")
    yield bank
    bank.control(ipn_mode="before", ipn_delay=0, ipn_url="")
