"""Administrative units: loading them from the `vietnam-provinces` package, and finding them.

Since 1 July 2025 Vietnam has two tiers: 34 provinces and 3,321 communes (xã, phường, đặc khu),
coded by Decision 19/2025/QĐ-TTg (2-digit province, 5-digit commune). Old addresses still name
a pre-2025 commune, district and province: `LegacyCommune` maps them to the new commune(s).

Search ignores diacritics, case, punctuation and word order: every word typed must start a word
of the name; exact and prefix matches of the name without its type come first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Length
from django.utils.translation import gettext

from motcua.core.errors import InvalidInput, NotFound
from motcua.core.models import Commune, LegacyCommune, Province
from motcua.core.text import search_key

MAX_RESULTS = 100
# More words than this is not a name: it would only make the query longer.
_MAX_WORDS = 8
_APOSTROPHES = re.compile(r"['’ʼ`]")
_WORD = re.compile(r"[a-z0-9]+")
# Types that open a commune's name, old and new; longest first so "thi tran" wins over "thi".
_COMMUNE_TYPES = ("dac khu", "thi tran", "phuong", "xa")
_PROVINCE_TYPES = ("thanh pho", "tinh")


def name_key(value: str) -> str:
    """search_key() reduced to words: "Xã Cư M'gar" -> "xa cu mgar", "Văn Miếu - Quốc Tử Giám"
    -> "van mieu quoc tu giam", so that matching works word by word."""
    return " ".join(_WORD.findall(_APOSTROPHES.sub("", search_key(value))))


def _without_type(key: str, types: tuple[str, ...] = _COMMUNE_TYPES) -> str:
    """ "phuong phan dinh phung" -> "phan dinh phung": the type is what people leave out."""
    for kind in types:
        if key.startswith(f"{kind} "):
            return key[len(kind) + 1 :]
    return key


@dataclass(frozen=True)
class _Query:
    phrase: str  # every word typed, type included: "xa tan hoa"
    words: list[str]  # the words to find in the name without its type: ["tan", "hoa"]

    @classmethod
    def parse(cls, text: str | None) -> _Query:
        phrase = " ".join(name_key(text or "").split()[:_MAX_WORDS])
        return cls(phrase, _without_type(phrase).split())


def _word_match(column: str, word: str, *, prefix: bool) -> Q:
    """`word` is a word of `column` (or starts one, for the word being typed)."""
    if prefix:
        return Q(**{f"{column}__startswith": word}) | Q(**{f"{column}__contains": f" {word}"})
    return (
        Q(**{column: word})
        | Q(**{f"{column}__startswith": f"{word} "})
        | Q(**{f"{column}__endswith": f" {word}"})
        | Q(**{f"{column}__contains": f" {word} "})
    )


def _all_words(column: str, words: list[str], *, last_is_prefix: bool) -> Q:
    condition = Q()
    for position, word in enumerate(words):
        prefix = last_is_prefix and position == len(words) - 1
        condition &= _word_match(column, word, prefix=prefix)
    return condition


def _matching(queryset: QuerySet, query: _Query, *, as_you_type: bool = True) -> QuerySet:
    """Rows whose name (without type) holds every word typed, in any order, the last one
    possibly unfinished (`as_you_type`). Best first: exact name with its type, exact name, name
    starting with the query, query starting a later word, then the words in another order;
    shorter names first within a rank."""
    short = " ".join(query.words)
    rank = Case(
        When(search_name=query.phrase, then=Value(0)),
        When(short_search_name=short, then=Value(1)),
        When(short_search_name__startswith=short, then=Value(2)),
        When(short_search_name__contains=f" {short}", then=Value(3)),
        default=Value(4),
        output_field=IntegerField(),
    )
    return (
        queryset.filter(_all_words("short_search_name", query.words, last_is_prefix=as_you_type))
        .annotate(rank=rank)
        .order_by("rank", Length("short_search_name"), "short_search_name", "pk")
    )


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_RESULTS))


# --- Reads -----------------------------------------------------------------------------------


def province_list() -> list[Province]:
    """All provinces in alphabetical order of their names without "Tỉnh"/"Thành phố"."""
    return sorted(
        Province.objects.all(),
        key=lambda province: (_without_type(province.search_name, _PROVINCE_TYPES), province.code),
    )


def province_get(*, code: str, field: str = "province") -> Province:
    province = Province.objects.filter(code=code).first() if code else None
    if province is None:
        raise NotFound(
            gettext("Không có tỉnh, thành phố mã “%(code)s”.") % {"code": code}, field=field
        )
    return province


def commune_list(
    province_code: str, *, q: str | None = None, field: str = "province"
) -> QuerySet[Commune]:
    """The communes of one province (NotFound naming `field` when it does not exist), optionally
    narrowed by a name typed with or without diacritics."""
    province = province_get(code=province_code, field=field)
    queryset = Commune.objects.filter(province=province).select_related("province")
    query = _Query.parse(q)
    if query.words:
        return _matching(queryset, query)
    return queryset.order_by("short_search_name", "code")


def commune_search(q: str, *, province_code: str | None = None, limit: int = 20) -> list[Commune]:
    """Communes whose name matches `q` ignoring diacritics, case and word order, best first:
    "phan dinh phung", "Đình Phùng phan" and "PHAN ĐÌNH PHÙNG" all find "Phường Phan Đình Phùng"."""
    query = _Query.parse(q)
    if not query.words:
        return []
    queryset = Commune.objects.select_related("province")
    if province_code:
        queryset = queryset.filter(province=province_get(code=province_code))
    return list(_matching(queryset, query)[: _limit(limit)])


def legacy_lookup(
    name: str, *, district: str | None = None, province: str | None = None, limit: int = 20
) -> list[LegacyCommune]:
    """The pre-2025 communes matching an old address (commune, optionally district and province
    as written then), each with the new commune(s) that took it over in `new_communes`; a
    commune split in 2025 has several (`partly_merged`)."""
    query = _Query.parse(name)
    if not query.words:
        raise InvalidInput(gettext("Nhập tên xã, phường, thị trấn cũ."), field="name")
    queryset = LegacyCommune.objects.all()
    for column, value in (("district_search_name", district), ("province_search_name", province)):
        if words := name_key(value or "").split()[:_MAX_WORDS]:
            queryset = queryset.filter(_all_words(column, words, last_is_prefix=False))
    return list(
        _matching(queryset, query, as_you_type=False).prefetch_related("new_communes__province")[
            : _limit(limit)
        ]
    )


def name_filter(queryset: QuerySet, q: str, *, column: str = "short_search_name") -> QuerySet:
    """Narrow a queryset of units to names holding every word of `q`, typed with or without
    diacritics (the admin's search box)."""
    words = _Query.parse(q).words
    if not words:
        return queryset
    return queryset.filter(_all_words(column, words, last_is_prefix=True))


# --- Loading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadSummary:
    provinces: int
    communes: int
    legacy_communes: int
    created: int
    updated: int
    skipped_legacy: int = 0
    already_loaded: bool = False

    def __str__(self) -> str:
        totals = (
            f"{self.provinces} tỉnh, {self.communes} xã/phường/đặc khu, "
            f"{self.legacy_communes} đơn vị cũ"
        )
        if self.already_loaded:
            return f"Đơn vị hành chính đã có đủ: {totals}."
        skipped = (
            f", bỏ qua {self.skipped_legacy} đơn vị cũ không có tên" if self.skipped_legacy else ""
        )
        return (
            f"Đơn vị hành chính: {totals} (thêm {self.created}, cập nhật {self.updated}{skipped})."
        )


@dataclass(frozen=True)
class _PackageData:
    provinces: list[Province]
    communes: list[Commune]
    legacy_communes: list[LegacyCommune]
    links: set[tuple[str, str]]  # (legacy commune code, new commune code)
    skipped_legacy: int


def _package_unit_counts() -> tuple[int, int]:
    from vietnam_provinces import Province as SourceProvince
    from vietnam_provinces import Ward as SourceWard

    return sum(1 for _ in SourceProvince.iter_all()), sum(1 for _ in SourceWard.iter_all())


def _read_package() -> _PackageData:
    from vietnam_provinces import Province as SourceProvince
    from vietnam_provinces import Ward as SourceWard

    # The package's old-to-new conversion table (from the official conversion list) is the one
    # place that says whether an old commune went whole or in part to each new one.
    from vietnam_provinces._ward_conversion_2025 import OLD_TO_NEW
    from vietnam_provinces.legacy import District as OldDistrict
    from vietnam_provinces.legacy import Province as OldProvince
    from vietnam_provinces.legacy import Ward as OldWard
    from vietnam_provinces.legacy.codes import DistrictCode, ProvinceCode, WardCode

    provinces = [
        Province(
            code=f"{source.code.value:02d}",
            name=source.name,
            division_type=str(source.division_type),
            search_name=name_key(source.name),
        )
        for source in SourceProvince.iter_all()
    ]
    communes = []
    for source in SourceWard.iter_all():
        key = name_key(source.name)
        communes.append(
            Commune(
                code=f"{source.code.value:05d}",
                name=source.name,
                division_type=str(source.division_type),
                province_id=f"{source.province_code.value:02d}",
                search_name=key,
                short_search_name=_without_type(key),
            )
        )
    legacy_communes, links, skipped = [], set(), 0
    for old_code, entry in OLD_TO_NEW.items():
        try:
            old_ward = OldWard.from_code(WardCode(old_code))
            district = OldDistrict.from_code(DistrictCode(entry.old_ward.district_code))
            old_province = OldProvince.from_code(ProvinceCode(entry.old_ward.province_code))
        except ValueError:
            # A handful of codes in the conversion table have no name in the old data: nobody
            # can look them up by name, so there is nothing to store.
            skipped += 1
            continue
        code = f"{old_code:05d}"
        key = name_key(old_ward.name)
        legacy_communes.append(
            LegacyCommune(
                code=code,
                name=old_ward.name,
                district_name=district.name,
                province_name=old_province.name,
                partly_merged=entry.old_ward.is_partly_merged,
                search_name=key,
                short_search_name=_without_type(key),
                district_search_name=name_key(district.name),
                province_search_name=name_key(old_province.name),
            )
        )
        links.update((code, f"{new.code:05d}") for new in entry.new_wards)
    return _PackageData(provinces, communes, legacy_communes, links, skipped)


def _upsert(model: type, rows: list[Any], fields: list[str]) -> tuple[int, int]:
    """Insert the rows that are new, update those that differ; return (created, updated)."""
    existing = {values[0]: values[1:] for values in model.objects.values_list("pk", *fields)}
    to_create, to_update = [], []
    for row in rows:
        current = existing.get(row.pk)
        if current is None:
            to_create.append(row)
        elif current != tuple(getattr(row, name) for name in fields):
            to_update.append(row)
    model.objects.bulk_create(to_create, batch_size=1000)
    model.objects.bulk_update(to_update, fields, batch_size=500)
    return len(to_create), len(to_update)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _sync_links(links: set[tuple[str, str]]) -> tuple[int, int]:
    through = LegacyCommune.new_communes.through
    existing = {
        (legacy, new): pk
        for pk, legacy, new in through.objects.values_list("pk", "legacycommune_id", "commune_id")
    }
    missing = [
        through(legacycommune_id=legacy, commune_id=new)
        for legacy, new in sorted(links - existing.keys())
    ]
    through.objects.bulk_create(missing, batch_size=1000)
    gone = [pk for pair, pk in existing.items() if pair not in links]
    for chunk in _chunks(gone, 500):
        through.objects.filter(pk__in=chunk).delete()
    return len(missing), len(gone)


def _counts() -> tuple[int, int, int]:
    return Province.objects.count(), Commune.objects.count(), LegacyCommune.objects.count()


def administrative_units_load(*, force: bool = False) -> LoadSummary:
    """Insert or update the provinces, communes and legacy mapping from the package.

    Runs on every `make run`: when the database holds as many provinces and communes as the
    package and a filled legacy table, it returns at once, without reading the package's large
    old-unit tables. `force=True` compares every row, for a package upgrade that renames units
    without changing their number."""
    counts = _counts()
    if not force and counts[2] and counts[:2] == _package_unit_counts():
        return LoadSummary(*counts, created=0, updated=0, already_loaded=True)
    data = _read_package()
    created = updated = 0
    with transaction.atomic():
        for model, rows, fields in (
            (Province, data.provinces, ["name", "division_type", "search_name"]),
            (
                Commune,
                data.communes,
                ["name", "division_type", "province_id", "search_name", "short_search_name"],
            ),
            (
                LegacyCommune,
                data.legacy_communes,
                [
                    "name",
                    "district_name",
                    "province_name",
                    "partly_merged",
                    "search_name",
                    "short_search_name",
                    "district_search_name",
                    "province_search_name",
                ],
            ),
        ):
            rows_created, rows_updated = _upsert(model, rows, fields)
            created += rows_created
            updated += rows_updated
        links_added, links_removed = _sync_links(data.links)
    return LoadSummary(
        *_counts(),
        created=created + links_added,
        updated=updated + links_removed,
        skipped_legacy=data.skipped_legacy,
    )
