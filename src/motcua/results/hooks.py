"""The results app's part in the back office: finishing a dossier at a signing step ("Ký duyệt")
issues its signed result, inside the finish action's transaction (dossiers/backoffice.py), and
the applicant's messages about the result carry its verification page."""

from __future__ import annotations

from django.utils.translation import gettext as _

from motcua.catalog.models import StepKind
from motcua.core.errors import InvalidInput
from motcua.dossiers.backoffice import Context
from motcua.results.documents import verify_url
from motcua.results.models import Result, ResultKind, ResultStatus
from motcua.results.services import result_issue

_STEP = "results.step"
# The applicant's messages that speak of the result (dossiers/backoffice.py queues them).
RESULT_EVENTS = frozenset({"result_ready", "result_returned"})


def finish_step_remember(ctx: Context) -> None:
    """After "finish" the dossier is back at the desk: keep the step it was finished from."""
    ctx.extra[_STEP] = ctx.dossier.current_step


def _optional_text(ctx: Context, name: str, *, limit: int) -> str:
    value = ctx.payload.get(name) or ""
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInput(
            _("Giá trị của trường %(name)s không hợp lệ.") % {"name": name}, field=name
        )
    return value.strip()


def finish_result_issue(ctx: Context) -> None:
    """A dossier finished at a signing step gets its signed result now; a signing failure
    raises SigningFailed, which undoes the finish (the dossier stays at the step)."""
    step = ctx.extra.get(_STEP)
    if step is None or step.kind != StepKind.SIGN:
        return
    kind = _optional_text(ctx, "result_kind", limit=20) or None
    if kind is not None and kind not in ResultKind.values:
        raise InvalidInput(
            _("Loại kết quả phải là giấy phép, giấy chứng nhận, quyết định hoặc thông báo."),
            field="result_kind",
        )
    result_issue(
        dossier=ctx.dossier,
        signer=ctx.user,
        issued_at=ctx.at,
        summary=ctx.dossier.result_summary,
        kind=kind,
        signer_title=_optional_text(ctx, "signer_title", limit=255),
    )


def result_messages_link_verification(ctx: Context) -> None:
    """After "finish" and "return_result": the messages queued about the result carry
    "verify_url", the public page of the dossier's valid signed result, so that the applicant
    (and whoever they show it to) can check it. The messages are sent after every hook, from
    the same list, so adding to their data here is enough."""
    messages = [data for event, data in ctx.notifications if event in RESULT_EVENTS]
    if not messages:
        return
    result = (
        Result.objects.filter(dossier=ctx.dossier, status=ResultStatus.VALID)
        .order_by("-issued_at", "-pk")
        .only("verify_token")
        .first()
    )
    if result is None:
        return
    for data in messages:
        data["verify_url"] = verify_url(result.verify_token)
