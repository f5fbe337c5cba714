"""Which agency and unit answer a report: the administrator's routing rules, most specific
first (commune, then province, then anywhere; a named category before "any category"), then
the FEEDBACK_FALLBACK_AGENCY setting."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from motcua.accounts.models import Agency, Unit
from motcua.core.models import Commune, Province
from motcua.feedback.models import Category, RoutingRule


@dataclass(frozen=True)
class Route:
    agency: Agency | None
    unit: Unit | None
    rule: RoutingRule | None


def _specificity(rule: RoutingRule) -> tuple[int, int]:
    place = 2 if rule.commune_id else 1 if rule.province_id else 0
    return (place, 1 if rule.category_id else 0)


def route_for(
    *, category: Category, commune: Commune | None, province: Province | None = None
) -> Route:
    """The route of a report of `category` at `commune` (or only `province`)."""
    province_id = commune.province_id if commune is not None else getattr(province, "pk", None)
    place = Q(commune__isnull=True, province__isnull=True)
    if province_id:
        place |= Q(commune__isnull=True, province_id=province_id)
    if commune is not None:
        place |= Q(commune_id=commune.pk)
    rules = (
        RoutingRule.objects.filter(is_active=True, agency__is_active=True)
        .filter(Q(category__isnull=True) | Q(category=category))
        .filter(place)
        .select_related("agency", "unit")
        .order_by("pk")
    )
    best = max(rules, key=_specificity, default=None)
    if best is not None:
        return Route(agency=best.agency, unit=best.unit, rule=best)
    fallback = None
    if settings.FEEDBACK_FALLBACK_AGENCY:
        fallback = Agency.objects.filter(
            code=settings.FEEDBACK_FALLBACK_AGENCY, is_active=True
        ).first()
    return Route(agency=fallback, unit=None, rule=None)
