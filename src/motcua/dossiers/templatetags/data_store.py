"""Template tags of the personal data store on the staff dossier page: where a reused file came
from, whether it was certified, and the counter's "certify the e-copy" form."""

from __future__ import annotations

from django import template

from motcua.dossiers.models import Attachment, AttachmentKind, Dossier
from motcua.dossiers.selectors_store import store_certified_for, store_sources_for
from motcua.dossiers.store import attachment_certify_allowed

register = template.Library()


@register.simple_tag
def store_attachment_info(attachments: list[Attachment], dossier: Dossier, user) -> dict:
    """{% store_attachment_info file.attachments dossier user as store_info %}: per attachment
    id, the stored document it was reused from, its certified copy, and whether `user` may
    certify it now; two queries for the whole list."""
    sources = store_sources_for(attachments=attachments)
    certified = store_certified_for(attachments=attachments)
    allowed = attachment_certify_allowed(officer=user, dossier=dossier)
    return {
        attachment.pk: {
            "source": sources.get(attachment.pk),
            "certified": certified.get(attachment.pk),
            "can_certify": allowed
            and attachment.kind == AttachmentKind.DOCUMENT
            and attachment.pk not in certified,
        }
        for attachment in attachments
    }


@register.filter
def store_info_of(info: dict, pk: int) -> dict:
    """{{ store_info|store_info_of:attachment.pk }}"""
    return info.get(pk, {}) if isinstance(info, dict) else {}
