"""The public form's spam check, with no third-party service: a small sum in Vietnamese, whose
numbers travel in a signed token with the time the form was shown. A robot that posts at once,
replays an old token or cannot read the question is refused; each token works once."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext as _

from motcua.core.errors import InvalidInput

SALT = "motcua.feedback.challenge"
MAX_AGE_SECONDS = 2 * 3600
FIELD = "challenge_answer"


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def challenge_new(*, now: float | None = None) -> Challenge:
    first, second = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    issued = int(time.time() if now is None else now)
    token = signing.dumps(
        {"a": first, "b": second, "t": issued, "n": secrets.token_hex(8)}, salt=SALT
    )
    question = _("%(first)s cộng %(second)s bằng bao nhiêu?") % {
        "first": first,
        "second": second,
    }
    return Challenge(question=question, token=token)


def challenge_check(*, token: str, answer: str, now: float | None = None) -> None:
    """Raise InvalidInput (field challenge_answer) unless the answer is right, the token is ours,
    fresh, not used before, and the form was not sent faster than a person can."""
    now = time.time() if now is None else now
    try:
        data = signing.loads(token or "", salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise InvalidInput(
            _("Biểu mẫu đã mở quá lâu. Hãy trả lời câu hỏi mới."),
            code="challenge_expired",
            field=FIELD,
        ) from None
    except signing.BadSignature:
        raise InvalidInput(
            _("Câu hỏi kiểm tra không hợp lệ. Hãy trả lời câu hỏi mới."),
            code="challenge_invalid",
            field=FIELD,
        ) from None
    if now - data["t"] < settings.FEEDBACK_CHALLENGE_MIN_SECONDS:
        raise InvalidInput(
            _("Biểu mẫu được gửi quá nhanh. Hãy kiểm tra lại rồi gửi."),
            code="challenge_too_fast",
            field=FIELD,
        )
    if str(answer or "").strip() != str(data["a"] + data["b"]):
        raise InvalidInput(_("Kết quả phép tính chưa đúng."), code="challenge_wrong", field=FIELD)
    if not cache.add(f"feedback-challenge:{data['n']}", 1, timeout=MAX_AGE_SECONDS + 60):
        raise InvalidInput(
            _("Câu hỏi kiểm tra này đã được dùng. Hãy trả lời câu hỏi mới."),
            code="challenge_used",
            field=FIELD,
        )
