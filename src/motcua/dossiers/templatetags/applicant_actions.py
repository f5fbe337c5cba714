"""The applicant's notices and forms on their dossier page ("Hồ sơ của tôi")."""

from django import template

from motcua.dossiers.views_applicant import applicant_panel

register = template.Library()


@register.inclusion_tag("dossiers/applicant/_panel.html", takes_context=True)
def applicant_actions(context, dossier):
    """`{% applicant_actions dossier %}`: what the engine lets the applicant do now, with the
    error of a refused action when views_applicant re-renders the page."""
    request = context["request"]
    return {
        "panel": applicant_panel(
            dossier=dossier, user=request.user, failed=context.get("applicant_failed")
        ),
        "csrf_token": context.get("csrf_token"),
    }
