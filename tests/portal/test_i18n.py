"""The English catalogue and the rules that choose the page language and the back link."""

import re
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.test import RequestFactory
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from motcua.portal.middleware import chosen_language
from motcua.portal.templatetags.portal import back_url

CATALOGUE = settings.PACKAGE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
# The files whose strings this catalogue must always translate: the layout, the portal and the
# settings (language names, default site names).
LAYOUT_SOURCES = ("templates/", "portal/", "config/settings.py")


def po_entries(path: Path) -> list[tuple[list[str], str, str]]:
    """(references, msgid, msgstr) of each singular entry of a .po file."""

    def joined(block: str, keyword: str) -> str:
        match = re.search(rf'^{keyword} ((?:".*"\n?)+)', block, re.M)
        if not match:
            return ""
        parts = re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1))
        return "".join(parts).encode().decode("unicode_escape").encode("latin-1").decode()

    entries = []
    for block in path.read_text().split("\n\n"):
        references = [ref for line in re.findall(r"^#: (.*)$", block, re.M) for ref in line.split()]
        msgid = joined(block, "msgid")
        if msgid and "msgid_plural" not in block:
            entries.append((references, msgid, joined(block, "msgstr")))
    return entries


def test_every_layout_string_has_a_compiled_english_translation():
    entries = [
        (msgid, msgstr)
        for references, msgid, msgstr in po_entries(CATALOGUE)
        if any(ref.startswith(LAYOUT_SOURCES) for ref in references)
    ]
    assert len(entries) > 30
    untranslated = [msgid for msgid, msgstr in entries if not msgstr]
    assert untranslated == []
    # the .mo is compiled from this .po: every translation is served
    with translation.override("en"):
        stale = [msgid for msgid, msgstr in entries if translation.gettext(msgid) != msgstr]
    assert stale == []


def test_language_names_are_translated():
    with translation.override("en"):
        assert [str(name) for _, name in settings.LANGUAGES] == ["Vietnamese", "English"]


@given(st.text(max_size=20))
def test_the_page_language_is_always_one_the_portal_offers(cookie):
    request = RequestFactory().get("/")
    request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = cookie
    assert chosen_language(request) in dict(settings.LANGUAGES)


@given(
    st.one_of(
        st.text(max_size=40),
        st.builds(
            "{}://{}{}".format,
            st.sampled_from(["http", "https", "javascript", "//", "ftp"]),
            st.sampled_from(["testserver", "lua-dao.example", "testserver.lua-dao.example", ""]),
            st.text(max_size=10),
        ),
    )
)
def test_the_back_link_never_leaves_the_site(referer):
    request = RequestFactory().get("/", HTTP_REFERER=referer)
    link = back_url(request)
    assert link in ("", referer)
    if link:
        parts = urlsplit(link)
        assert parts.scheme in ("", "http", "https")
        assert parts.netloc in ("", "testserver")
