"""Template tags that show a dossier's signed results on the staff workspace and on the
applicant's "Hồ sơ của tôi" page."""

from __future__ import annotations

from django import template

from motcua.dossiers.models import Dossier, Status
from motcua.results.selectors import result_list_for_dossier

register = template.Library()


@register.inclusion_tag("results/_dossier_results.html")
def dossier_results(dossier: Dossier) -> dict:
    """{% dossier_results dossier %}: every result of a dossier the page already shows, with
    its status, verification page and original (staff may download it)."""
    return {"results": result_list_for_dossier(dossier=dossier), "for_staff": True}


@register.inclusion_tag("results/_dossier_results.html")
def my_dossier_results(dossier: Dossier) -> dict:
    """{% my_dossier_results dossier %}: the applicant's results, once the result is returned."""
    results = result_list_for_dossier(dossier=dossier) if dossier.status == Status.RETURNED else []
    return {"results": results, "for_staff": False}
