"""Message wording: the template files of each event, the administrators' overrides, rendering
with data, and how long an SMS comes out."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError, engines
from django.template.base import Lexer, TokenType
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.accounts.sms import without_diacritics
from motcua.core.errors import InvalidInput
from motcua.notifications.models import Notification, NotificationTemplate
from motcua.notifications.sms_standin import sms_parts

Channel = Notification.Channel
TEMPLATE_ROOT = Path(__file__).resolve().parent / "templates" / "notifications"
LANGUAGES = ("vi", "en")
# A channel without templates of its own speaks like another: Zalo messages read as the SMS.
FALLBACK_CHANNEL = {Channel.ZALO: Channel.SMS}
# Event names are template folder names: keep them plain.
EVENT_NAME = re.compile(r"[a-z][a-z_]*")
_FILE_NAME = re.compile(r"(?P<channel>[a-z_]+)\.(?P<language>[a-z]{2})\.txt")
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"\s+")
# Administrators write with these tags only: no {% load %}, {% include %}, {% url %} and the
# like, which reach outside the message's own data.
ALLOWED_TAGS = frozenset(
    {
        "if",
        "elif",
        "else",
        "endif",
        "for",
        "empty",
        "endfor",
        "with",
        "endwith",
        "firstof",
        "comment",
        "endcomment",
        "spaceless",
        "endspaceless",
    }
)
# Typographic marks a template may hold that would turn an SMS into Unicode (70 characters).
_SMS_PUNCTUATION = str.maketrans(
    {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "\u00a0": " "}
)
SMS_SINGLE_PART = 160
# Gateways take a long text as a few concatenated parts at most; more is refused.
SMS_MAX_PARTS = 5
MAX_BODY_LENGTH = 5000

EVENT_LABELS = {
    "dossier_submitted": gettext_lazy("Hồ sơ đã nộp"),
    "dossier_received": gettext_lazy("Hồ sơ được tiếp nhận"),
    "supplement_requested": gettext_lazy("Yêu cầu bổ sung hồ sơ"),
    "dossier_refused": gettext_lazy("Từ chối tiếp nhận"),
    "financial_obligation": gettext_lazy("Chờ thực hiện nghĩa vụ tài chính"),
    "apology_issued": gettext_lazy("Xin lỗi và hẹn lại ngày trả kết quả"),
    "result_ready": gettext_lazy("Hồ sơ có kết quả"),
    "result_returned": gettext_lazy("Đã trả kết quả"),
    "dossier_withdrawn": gettext_lazy("Hồ sơ được rút"),
    "dossier_stopped": gettext_lazy("Dừng xử lý hồ sơ"),
    "sms_lookup": gettext_lazy("Trả lời tin nhắn tra cứu"),
    "dossier_assigned": gettext_lazy("Cán bộ: hồ sơ được giao"),
    "apology_needed": gettext_lazy("Cán bộ: cần lập phiếu xin lỗi"),
    "consultation_requested": gettext_lazy("Cán bộ: xin ý kiến"),
    "verification_code": gettext_lazy("Mã xác thực thư điện tử, số điện thoại"),
    "password_reset_code": gettext_lazy("Mã đặt lại mật khẩu"),
    "monitoring_alert": gettext_lazy("Cán bộ quan trắc: cảnh báo chất lượng không khí"),
    "staff_digest": gettext_lazy("Cán bộ: tổng hợp hồ sơ quá hạn, sắp đến hạn hằng ngày"),
    "payment_confirmed": gettext_lazy("Đã nhận thanh toán phí, lệ phí"),
    "payment_failed": gettext_lazy("Thanh toán chưa thành công"),
    "report_received": gettext_lazy("Phản ánh được tiếp nhận"),
    "report_answered": gettext_lazy("Phản ánh có trả lời"),
    "report_merged": gettext_lazy("Phản ánh được gộp"),
    "report_rejected": gettext_lazy("Phản ánh không được xử lý"),
    "report_answer_to_approve": gettext_lazy("Cán bộ: trả lời phản ánh chờ duyệt"),
    "report_input_requested": gettext_lazy("Cán bộ: xin ý kiến về phản ánh"),
    "report_overdue": gettext_lazy("Cán bộ: phản ánh quá hạn"),
}


@dataclass(frozen=True)
class Source:
    """A message's template text; `override` is the administrator's row it came from, if any."""

    subject: str
    body: str
    override: NotificationTemplate | None = None


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


@functools.cache
def file_sources() -> dict[tuple[str, str, str], Source]:
    """The wording shipped with Motcua, by (event, channel, language): every file
    <event>/<channel>.<language>.txt; an e-mail's first line is "Subject: ..."."""
    sources = {}
    for folder in sorted(TEMPLATE_ROOT.iterdir()):
        if not (folder.is_dir() and EVENT_NAME.fullmatch(folder.name)):
            continue
        for path in sorted(folder.glob("*.txt")):
            found = _FILE_NAME.fullmatch(path.name)
            if not found or found["channel"] not in Channel.values:
                continue
            text = path.read_text(encoding="utf-8")
            subject = ""
            if found["channel"] == Channel.EMAIL:
                first, _newline, text = text.strip().partition("\n")
                subject = first.removeprefix("Subject:").strip()
            sources[folder.name, found["channel"], found["language"]] = Source(subject, text)
    return sources


def event_names() -> list[str]:
    return sorted({event for event, _channel, _language in file_sources()})


def event_channels(event: str) -> list[str]:
    """The channels `event` has a message for (its Vietnamese template, or a fallback's)."""
    shipped = {channel for name, channel, language in file_sources() if name == event}
    return [
        channel
        for channel in Channel.values
        if channel in shipped or FALLBACK_CHANNEL.get(channel) in shipped
    ]


def event_label(event: str) -> str:
    return str(EVENT_LABELS.get(event, event))


class Wording:
    """The templates of one event: the administrators' overrides (read once) over the files."""

    def __init__(self, event: str, overrides: Iterable[NotificationTemplate] = ()):
        self.event = event
        self.overrides = {(row.channel, row.language): row for row in overrides}

    def source(self, channel: str, language: str) -> Source | None:
        """The template for `channel` in `language`; else in Vietnamese; a channel without
        templates of its own borrows its fallback's (in the same order)."""
        for lang in dict.fromkeys((language, "vi")):
            for candidate in (channel, FALLBACK_CHANNEL.get(channel)):
                if candidate is None:
                    continue
                override = self.overrides.get((candidate, lang))
                if override is not None:
                    return Source(override.subject, override.body, override)
                shipped = file_sources().get((self.event, candidate, lang))
                if shipped is not None:
                    return shipped
        return None

    def shipped(self, channel: str, language: str) -> Source | None:
        """What the template would be without any override (the files only)."""
        return Wording(self.event).source(channel, language)


def wording_for(event: str) -> Wording:
    """One query: the overrides of `event`."""
    return Wording(event, NotificationTemplate.objects.filter(event=event))


@functools.lru_cache(maxsize=1024)
def _compile(text: str) -> Template:
    # The engine's own Template (not the backend wrapper), so that it renders without HTML
    # escaping: these are plain-text messages.
    return engines["django"].engine.from_string(text)


def _for_text(value: Any) -> Any:
    """Dates and times as Vietnamese write them (23/11/2026 14:30), in local time."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, timezone.get_default_timezone())
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dict):
        return {key: _for_text(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_for_text(item) for item in value]
    return value


def sms_text(text: str) -> str:
    """An SMS as it is sent: one line, without diacritics and typographic marks, so that it
    counts 160 characters per part rather than 70."""
    return without_diacritics(_SPACES.sub(" ", text).strip()).translate(_SMS_PUNCTUATION)


def render(source: Source, *, channel: str, language: str, data: dict[str, Any]) -> Rendered:
    """The message from `source` with `data`, in `language`: dates in local time; templates
    also see `site_name` and `agency_name`. Raises InvalidInput (field "body") when an
    administrator's template cannot be rendered."""
    with translation.override(language):
        context = Context(
            {
                "site_name": _(settings.SITE_NAME),
                "agency_name": _(settings.SITE_AGENCY_NAME),
                **_for_text(data),
            },
            autoescape=False,
        )
        try:
            subject = _compile(source.subject).render(context) if source.subject else ""
            text = _compile(source.body).render(context)
        except TemplateSyntaxError as error:
            raise InvalidInput(
                _("Mẫu thông báo có lỗi cú pháp: {error}").format(error=error), field="body"
            ) from error
    subject = _SPACES.sub(" ", subject).strip()[:255]
    if channel in (Channel.EMAIL, Channel.ZALO):
        body = "\n".join(line.rstrip() for line in text.strip().splitlines())
        return Rendered(subject=subject, body=_BLANK_LINES.sub("\n\n", body))
    if channel == Channel.SMS:
        return Rendered(subject="", body=sms_text(text))
    return Rendered(subject="", body=_SPACES.sub(" ", text).strip())


# --- Checks of an administrator's template -------------------------------------------------


def check_template_text(text: str, *, field: str) -> None:
    """Refuse a template that does not compile or uses a tag outside ALLOWED_TAGS."""
    for token in Lexer(text).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if name not in ALLOWED_TAGS:
                raise InvalidInput(
                    _("Mẫu không được dùng thẻ {{% {tag} %}}.").format(tag=name or "?"),
                    code="tag_not_allowed",
                    field=field,
                )
    try:
        _compile(text)
    except TemplateSyntaxError as error:
        raise InvalidInput(
            _("Mẫu có lỗi cú pháp: {error}").format(error=error), code="syntax", field=field
        ) from error


_VARIABLE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)")
_BOUND = re.compile(r"^(?:for\s+(?P<loop>[\w\s,]+?)\s+in\s|with\s+(?P<with>.+))")


def unknown_variables(text: str, *, known: Iterable[str]) -> list[str]:
    """Names a template uses that its data does not hold (a typo renders as nothing)."""
    names = set(known) | {"site_name", "agency_name", "recipient_name", "forloop"}
    used = []
    for token in Lexer(text).tokenize():
        if token.token_type == TokenType.BLOCK:
            bound = _BOUND.match(token.contents)
            if bound and bound["loop"]:
                names.update(name.strip() for name in bound["loop"].split(","))
            elif bound and bound["with"]:
                names.update(part.split("=")[0].strip() for part in bound["with"].split())
        elif token.token_type == TokenType.VAR:
            found = _VARIABLE.match(token.contents)
            if found:
                used.append(found.group(1))
    return sorted({name for name in used if name not in names})


@dataclass(frozen=True)
class SmsLength:
    """How an SMS text is billed: characters, parts, and whether it goes as Unicode."""

    characters: int
    parts: int
    unicode: bool
    non_ascii: str  # the characters that make it Unicode, each once

    @property
    def single_limit(self) -> int:
        return 70 if self.unicode else SMS_SINGLE_PART

    @property
    def part_limit(self) -> int:
        return 67 if self.unicode else 153


def sms_length(text: str) -> SmsLength:
    non_ascii = "".join(dict.fromkeys(ch for ch in text if ord(ch) > 127))
    return SmsLength(
        characters=len(text), parts=sms_parts(text), unicode=bool(non_ascii), non_ascii=non_ascii
    )


@dataclass(frozen=True)
class Preview:
    """A template tried on sample data: the message, or why it cannot be rendered."""

    rendered: Rendered | None
    error: str = ""
    error_field: str = ""
    unknown: tuple[str, ...] = ()
    sms: SmsLength | None = None


def template_preview(*, channel: str, language: str, subject: str, body: str) -> Preview:
    """What a template gives with the sample data of notifications/samples.py."""
    from motcua.notifications.samples import sample_data

    data = sample_data()
    try:
        check_template_text(subject, field="subject")
        check_template_text(body, field="body")
        rendered = render(Source(subject, body), channel=channel, language=language, data=data)
    except InvalidInput as error:
        return Preview(rendered=None, error=error.message, error_field=error.field or "body")
    return Preview(
        rendered=rendered,
        unknown=tuple(unknown_variables(f"{subject}\n{body}", known=data)),
        sms=sms_length(rendered.body) if channel == Channel.SMS else None,
    )
