"""The Vietnamese air quality index, VN_AQI, exactly as Decision 1459/QĐ-TCMT (2019) computes it.

Pure functions, no database. Two ways to the same numbers:

- `sub_index`, `nowcast`, `hourly_aqi`, `daily_aqi` work on one hour or one day with exact
  decimal arithmetic and are the reference: read them next to the decision.
- `*_array` functions compute whole hourly series at once with numpy for the recomputation of
  thousands of hours (monitoring/aqi_services.py). tests/monitoring/test_aqi_arrays.py checks
  that both give the same index, sub-indices and dominant pollutant.

Concentrations are in µg/m³ for every pollutant, CO included (SPEC §8). Where the decision is
silent this module decides, and says so:

- A concentration above a column's last breakpoint gives 500, the top of the scale (the
  decision's categories end at 500 and its formula has no interval beyond), except the O3
  8-hour column, whose table stops at 400 µg/m³: above that the 1-hour value is used.
- A daily 24-hour mean needs at least `DAILY_MIN_HOURS` (18 of 24, 75 %) hourly means and an
  8-hour mean at least `EIGHT_HOUR_MIN_HOURS` (6 of 8, 75 %), the completeness rule the data
  side also applies to an hour of raw readings.
- The 8-hour O3 means of a day are the rolling means ending at each of its 24 hours, so the
  first ones reach back into the evening before.
- Ties between pollutants with the same sub-index go to the first in `POLLUTANTS` order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

import numpy as np

Number = int | float | Decimal

PM25 = "PM2.5"
PM10 = "PM10"
O3 = "O3"
CO = "CO"
SO2 = "SO2"
NO2 = "NO2"
# Every pollutant of the index, in the order that breaks ties for the dominant one.
POLLUTANTS = (PM25, PM10, O3, NO2, SO2, CO)
PARTICLES = (PM25, PM10)

O3_1H = "O3_1h"
O3_8H = "O3_8h"

# Table 2 of the decision: index values I_i and the breakpoints BP_i of each column.
INDEX_LEVELS = (0, 50, 100, 150, 200, 300, 400, 500)
BREAKPOINTS: dict[str, tuple[int, ...]] = {
    O3_1H: (0, 160, 200, 300, 400, 800, 1000, 1200),
    O3_8H: (0, 100, 120, 170, 210, 400),
    CO: (0, 10000, 30000, 45000, 60000, 90000, 120000, 150000),
    SO2: (0, 125, 350, 550, 800, 1600, 2100, 2630),
    NO2: (0, 100, 200, 700, 1200, 2350, 3100, 3850),
    PM10: (0, 50, 150, 250, 350, 420, 500, 600),
    PM25: (0, 25, 50, 80, 150, 250, 350, 500),
}
TOP_INDEX = 500

NOWCAST_HOURS = 12
DAILY_MIN_HOURS = 18
EIGHT_HOUR_MIN_HOURS = 6
HOURS_PER_DAY = 24
_HALF = Decimal("0.5")
# The float path rounds x.5 up even when float error left it at x.4999999999999.
_FLOAT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Category:
    """One of the six bands of the scale, with its colour and the decision's kind of advice."""

    level: int
    low: int
    high: int
    name_vi: str
    name_en: str
    rgb: tuple[int, int, int]
    advice_general_vi: str
    advice_general_en: str
    advice_sensitive_vi: str
    advice_sensitive_en: str

    @property
    def color(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)

    @property
    def text_color(self) -> str:
        """Black or white, whichever reads better on the category's colour (WCAG contrast)."""
        return "#000000" if contrast_ratio(self.rgb, (0, 0, 0)) >= 4.5 else "#ffffff"

    @property
    def css_class(self) -> str:
        return f"aqi-{self.level}"

    def name(self, language: str = "vi") -> str:
        return self.name_en if language.startswith("en") else self.name_vi

    def advice_general(self, language: str = "vi") -> str:
        return self.advice_general_en if language.startswith("en") else self.advice_general_vi

    def advice_sensitive(self, language: str = "vi") -> str:
        return self.advice_sensitive_en if language.startswith("en") else self.advice_sensitive_vi


# Sensitive groups: children, older people, pregnant women, people with heart or lung disease.
CATEGORIES = (
    Category(
        1,
        0,
        50,
        "Tốt",
        "Good",
        (0, 228, 0),
        "Không khí trong lành: thoải mái hoạt động ngoài trời.",
        "The air is clean: enjoy outdoor activities.",
        "Có thể hoạt động ngoài trời bình thường.",
        "Outdoor activities are fine.",
    ),
    Category(
        2,
        51,
        100,
        "Trung bình",
        "Moderate",
        (255, 255, 0),
        "Chất lượng không khí chấp nhận được: vẫn có thể hoạt động ngoài trời.",
        "Air quality is acceptable: outdoor activities are fine.",
        "Theo dõi các triệu chứng như ho, khó thở; giảm vận động mạnh ngoài trời nếu thấy"
        " khó chịu.",
        "Watch for symptoms such as coughing or shortness of breath; ease off strenuous outdoor"
        " activity if you feel unwell.",
    ),
    Category(
        3,
        101,
        150,
        "Kém",
        "Poor",
        (255, 126, 0),
        "Nếu thấy cay mắt, ho hoặc đau họng, hãy giảm thời gian và cường độ hoạt động ngoài trời.",
        "If your eyes sting or you cough or have a sore throat, spend less time outdoors and"
        " take it easier.",
        "Giảm vận động mạnh và thời gian ở ngoài trời; người bị hen suyễn mang theo thuốc.",
        "Reduce strenuous activity and time outdoors; people with asthma should keep their"
        " medicine at hand.",
    ),
    Category(
        4,
        151,
        200,
        "Xấu",
        "Bad",
        (255, 0, 0),
        "Mọi người nên giảm vận động mạnh ngoài trời, tránh tập luyện kéo dài và nghỉ ngơi"
        " trong nhà nhiều hơn.",
        "Everyone should reduce strenuous outdoor activity, avoid long exercise outdoors and"
        " rest indoors more.",
        "Nên ở trong nhà và tránh vận động mạnh; nếu phải ra ngoài, hãy đeo khẩu trang lọc"
        " bụi mịn đạt chuẩn.",
        "Stay indoors and avoid strenuous activity; if you must go out, wear a certified"
        " fine-particle mask.",
    ),
    Category(
        5,
        201,
        300,
        "Rất xấu",
        "Very bad",
        (143, 63, 151),
        "Hạn chế tối đa hoạt động ngoài trời, chuyển các hoạt động vào trong nhà; đeo khẩu"
        " trang đạt chuẩn nếu phải ra ngoài.",
        "Keep outdoor activity to a minimum and move activities indoors; wear a certified mask"
        " if you must go out.",
        "Ở trong nhà, đóng cửa sổ và tránh mọi vận động mạnh.",
        "Stay indoors with the windows closed and avoid any strenuous activity.",
    ),
    Category(
        6,
        301,
        500,
        "Nguy hại",
        "Hazardous",
        (126, 0, 35),
        "Mọi người nên ở trong nhà, đóng cửa ra vào và cửa sổ; chỉ ra ngoài khi thật cần"
        " thiết và đeo khẩu trang đạt chuẩn.",
        "Everyone should stay indoors with doors and windows closed; go out only when"
        " necessary, wearing a certified mask.",
        "Ở trong nhà, đóng kín cửa, giữ yên tĩnh; đến cơ sở y tế nếu khó thở hoặc tức ngực.",
        "Stay indoors with doors and windows shut and keep calm; seek medical care if you have"
        " trouble breathing or chest pain.",
    ),
)
CATEGORY_BY_LEVEL = {category.level: category for category in CATEGORIES}


def category_for(aqi: int) -> Category:
    """The category of a (rounded) index; 0 is Tốt, anything from 301 on is Nguy hại."""
    if aqi < 0:
        raise ValueError("VN_AQI is never negative")
    for category in CATEGORIES:
        if aqi <= category.high:
            return category
    return CATEGORIES[-1]


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: tuple[int, int, int], second: tuple[int, int, int]) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class AqiResult:
    """An hourly or daily index: `aqi` is None when the rules give no value (no PM10 or PM2.5).
    `sub_indices` holds each pollutant's rounded index, also when `aqi` is None."""

    aqi: int | None
    dominant: str | None
    sub_indices: dict[str, int] = field(default_factory=dict)

    @property
    def category(self) -> Category | None:
        return None if self.aqi is None else category_for(self.aqi)


# --- The reference: one hour or one day, exact decimals ----------------------------------------


def _decimal(value: Number) -> Decimal:
    # str() keeps the value as written (0.1, not 0.1000000000000000055511151231257827).
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"concentration must be a finite number, not {value!r}")
    if number < 0:
        raise ValueError(f"concentration is never negative (got {value!r})")
    return number


def round_half_up(value: Decimal) -> int:
    """The decision rounds to a whole number, .5 upwards (Python's round() would go to even)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def sub_index(column: str, concentration: Number) -> Decimal | None:
    """AQI_x = (I_{i+1} − I_i) / (BP_{i+1} − BP_i) × (C_x − BP_i) + I_i, unrounded, with BP_i ≤
    C_x ≤ BP_{i+1}; 500 above the last breakpoint, None above 400 µg/m³ in the O3 8-hour
    column (the daily rule then uses the 1-hour value)."""
    breakpoints = BREAKPOINTS[column]
    value = _decimal(concentration)
    if value > breakpoints[-1]:
        return None if column == O3_8H else Decimal(TOP_INDEX)
    with localcontext() as context:
        context.prec = 40
        for i in range(len(breakpoints) - 1):
            low, high = breakpoints[i], breakpoints[i + 1]
            if value <= high:
                # Multiply before dividing: exact whenever the true result is x.5.
                slope_numerator = (INDEX_LEVELS[i + 1] - INDEX_LEVELS[i]) * (value - low)
                return slope_numerator / (high - low) + INDEX_LEVELS[i]
    raise AssertionError("unreachable: value is within the breakpoints")


def nowcast(hours: Sequence[Number | None]) -> Decimal | None:
    """NowCast of PM10 or PM2.5 from hourly means c1, c2, ... c12, the current hour first; None
    for a missing hour. w* = c_min / c_max over the hours present; w = w* if w* > ½, else ½;
    NowCast = Σ w^(i−1)·c_i / Σ w^(i−1) over the hours present. No value unless at least two
    of c1, c2, c3 are present."""
    window = list(hours[:NOWCAST_HOURS])
    if sum(value is not None for value in window[:3]) < 2:
        return None
    present = [(i, _decimal(value)) for i, value in enumerate(window) if value is not None]
    values = [value for _, value in present]
    c_max = max(values)
    if c_max == 0:
        return Decimal(0)
    with localcontext() as context:
        context.prec = 40
        w_star = min(values) / c_max
        w = w_star if w_star > _HALF else _HALF
        weights = [w**i for i, _ in present]  # i counts from 0: w^(i−1) for c_i
        total = sum(weight * value for weight, (_, value) in zip(weights, present, strict=True))
        return total / sum(weights)


def _combine(sub_values: Mapping[str, Decimal]) -> AqiResult:
    rounded = {pollutant: round_half_up(value) for pollutant, value in sub_values.items()}
    if not any(pollutant in sub_values for pollutant in PARTICLES):
        return AqiResult(aqi=None, dominant=None, sub_indices=rounded)
    dominant = max(
        (pollutant for pollutant in POLLUTANTS if pollutant in sub_values),
        key=lambda pollutant: (sub_values[pollutant], -POLLUTANTS.index(pollutant)),
    )
    return AqiResult(aqi=rounded[dominant], dominant=dominant, sub_indices=rounded)


def hourly_aqi(recent: Mapping[str, Sequence[Number | None]]) -> AqiResult:
    """Hourly VN_AQI. `recent[pollutant]` holds that pollutant's hourly means, the current hour
    first (c1, c2, ...; None for a missing hour); only PM10 and PM2.5 need more than c1.
    SO2, CO, NO2 and O3 (1-hour column) use the hour's mean, PM10 and PM2.5 their NowCast."""
    sub_values: dict[str, Decimal] = {}
    for pollutant in POLLUTANTS:
        series = list(recent.get(pollutant) or ()) or [None]
        concentration = nowcast(series) if pollutant in PARTICLES else series[0]
        if concentration is None:
            continue
        value = sub_index(O3_1H if pollutant == O3 else pollutant, concentration)
        if value is not None:
            sub_values[pollutant] = value
    return _combine(sub_values)


def _mean_if_complete(values: Sequence[Number | None], minimum: int) -> Decimal | None:
    present = [_decimal(value) for value in values if value is not None]
    if len(present) < minimum:
        return None
    with localcontext() as context:
        context.prec = 40
        return sum(present) / len(present)


def daily_aqi(
    day: Mapping[str, Sequence[Number | None]], *, o3_before: Sequence[Number | None] = ()
) -> AqiResult:
    """Daily VN_AQI. `day[pollutant]` holds the day's 24 hourly means in order, the hours
    starting 00:00 to 23:00 local time (None for a missing hour). `o3_before` holds the O3 means
    of the hours just before 00:00, oldest first (up to 7), for the 8-hour means ending early in
    the day.

    PM10, PM2.5: the 24-hour mean; SO2, NO2, CO: the day's highest hourly mean; O3: the larger of
    the index of the highest 1-hour mean and of the highest 8-hour rolling mean, the 1-hour one
    alone when that 8-hour mean is above 400 µg/m³."""
    sub_values: dict[str, Decimal] = {}
    for pollutant in POLLUTANTS:
        hours = list(day.get(pollutant) or ())[:HOURS_PER_DAY]
        present = [value for value in hours if value is not None]
        if pollutant in PARTICLES:
            mean = _mean_if_complete(hours, DAILY_MIN_HOURS)
            if mean is not None:
                sub_values[pollutant] = sub_index(pollutant, mean)
        elif pollutant == O3:
            value = _daily_o3(hours, list(o3_before)[-(8 - 1) :])
            if value is not None:
                sub_values[pollutant] = value
        elif present:
            sub_values[pollutant] = sub_index(pollutant, max(_decimal(v) for v in present))
    return _combine(sub_values)


def _daily_o3(hours: list[Number | None], before: list[Number | None]) -> Decimal | None:
    present = [value for value in hours if value is not None]
    one_hour = sub_index(O3_1H, max(_decimal(v) for v in present)) if present else None
    series = [*([None] * (7 - len(before))), *before, *hours]
    means = [
        mean
        for end in range(7, len(series))
        if (mean := _mean_if_complete(series[end - 7 : end + 1], EIGHT_HOUR_MIN_HOURS)) is not None
    ]
    if not means:
        return one_hour
    eight_hour = sub_index(O3_8H, max(means))  # None above 400 µg/m³: the 1-hour value alone
    candidates = [value for value in (one_hour, eight_hour) if value is not None]
    return max(candidates) if candidates else None


# --- The same rules over whole series, with numpy ------------------------------------------------
# A series is a float array of hourly means in time order, one element per hour, NaN where the
# hour has no valid value. Results are float arrays with NaN where the rules give no value.


def sub_index_array(column: str, concentrations: np.ndarray) -> np.ndarray:
    """`sub_index` for every element (unrounded)."""
    breakpoints = np.asarray(BREAKPOINTS[column], dtype=float)
    levels = np.asarray(INDEX_LEVELS[: len(breakpoints)], dtype=float)
    values = np.asarray(concentrations, dtype=float)
    # np.interp holds the last index value beyond the last breakpoint: 500, as decided above.
    result = np.interp(values, breakpoints, levels)
    result[np.isnan(values)] = np.nan
    if column == O3_8H:
        result[values > breakpoints[-1]] = np.nan
    return result


def round_half_up_array(values: np.ndarray) -> np.ndarray:
    return np.floor(values + 0.5 + _FLOAT_TOLERANCE)


def _windows(series: np.ndarray, size: int) -> np.ndarray:
    """Row t holds hours t, t−1, ..., t−size+1 (newest first), NaN before the series starts."""
    padded = np.concatenate([np.full(size - 1, np.nan), series])
    return np.lib.stride_tricks.sliding_window_view(padded, size)[:, ::-1]


def nowcast_array(series: np.ndarray) -> np.ndarray:
    """`nowcast` at every hour of a series, each hour being c1 of its own window."""
    windows = _windows(np.asarray(series, dtype=float), NOWCAST_HOURS)
    present = ~np.isnan(windows)
    enough = present[:, :3].sum(axis=1) >= 2
    with np.errstate(invalid="ignore", divide="ignore"):
        c_min = np.min(np.where(present, windows, np.inf), axis=1)
        c_max = np.max(np.where(present, windows, -np.inf), axis=1)
        w = np.where(c_max > 0, c_min / c_max, 1.0)
        w = np.where(w > 0.5, w, 0.5)
        weights = np.where(present, w[:, None] ** np.arange(NOWCAST_HOURS), 0.0)
        result = (weights * np.where(present, windows, 0.0)).sum(axis=1) / weights.sum(axis=1)
    result[~enough] = np.nan
    return result


def rolling_mean(series: np.ndarray, size: int, minimum: int) -> np.ndarray:
    """Mean of the `size` hours ending at each hour, NaN with fewer than `minimum` present."""
    windows = _windows(series, size)
    count = (~np.isnan(windows)).sum(axis=1)
    with np.errstate(invalid="ignore"):
        mean = np.nansum(windows, axis=1) / count
    mean[count < minimum] = np.nan
    return mean


@dataclass(frozen=True)
class AqiArrays:
    """Indices for consecutive periods (hours or days): `aqi` rounded, NaN for no value;
    `dominant` an index into POLLUTANTS, −1 for none; `sub_indices` rounded, per pollutant."""

    aqi: np.ndarray
    dominant: np.ndarray
    sub_indices: dict[str, np.ndarray]


def _combine_arrays(sub_values: dict[str, np.ndarray], length: int) -> AqiArrays:
    matrix = np.full((len(POLLUTANTS), length), np.nan)
    for row, pollutant in enumerate(POLLUTANTS):
        if pollutant in sub_values:
            matrix[row] = sub_values[pollutant]
    has_particles = ~np.isnan(matrix[: len(PARTICLES)]).all(axis=0)
    # argmax returns the first of equal maxima: the POLLUTANTS order breaks ties.
    dominant = np.argmax(np.where(np.isnan(matrix), -np.inf, matrix), axis=0)
    peak = matrix[dominant, np.arange(length)]
    aqi = np.where(has_particles, round_half_up_array(peak), np.nan)
    dominant = np.where(has_particles, dominant, -1)
    rounded = {pollutant: round_half_up_array(values) for pollutant, values in sub_values.items()}
    return AqiArrays(aqi=aqi, dominant=dominant, sub_indices=rounded)


def hourly_aqi_arrays(series: Mapping[str, np.ndarray]) -> AqiArrays:
    """`hourly_aqi` at every hour of aligned series (same start hour, same length)."""
    length = len(next(iter(series.values()))) if series else 0
    sub_values: dict[str, np.ndarray] = {}
    for pollutant in POLLUTANTS:
        if pollutant not in series:
            continue
        values = np.asarray(series[pollutant], dtype=float)
        if pollutant in PARTICLES:
            sub_values[pollutant] = sub_index_array(pollutant, nowcast_array(values))
        else:
            sub_values[pollutant] = sub_index_array(O3_1H if pollutant == O3 else pollutant, values)
    return _combine_arrays(sub_values, length)


def daily_aqi_arrays(series: Mapping[str, np.ndarray], *, lead_hours: int = 0) -> AqiArrays:
    """`daily_aqi` for consecutive days. The aligned series start `lead_hours` (at most 7)
    before 00:00 local time of the first day (those hours serve only the O3 8-hour means) and
    then run for whole days."""
    if not 0 <= lead_hours <= 7:
        raise ValueError("lead_hours must be between 0 and 7")
    length = len(next(iter(series.values()))) - lead_hours if series else 0
    if length % HOURS_PER_DAY:
        raise ValueError("the series must cover whole days after the lead hours")
    days = length // HOURS_PER_DAY
    sub_values: dict[str, np.ndarray] = {}
    for pollutant in POLLUTANTS:
        if pollutant not in series:
            continue
        values = np.asarray(series[pollutant], dtype=float)
        by_day = values[lead_hours:].reshape(days, HOURS_PER_DAY)
        present = ~np.isnan(by_day)
        count = present.sum(axis=1)
        with np.errstate(invalid="ignore"):
            if pollutant in PARTICLES:
                mean = np.nansum(by_day, axis=1) / count
                mean[count < DAILY_MIN_HOURS] = np.nan
                sub_values[pollutant] = sub_index_array(pollutant, mean)
                continue
            highest = np.where(
                count > 0, np.max(np.where(present, by_day, -np.inf), axis=1), np.nan
            )
        if pollutant != O3:
            sub_values[pollutant] = sub_index_array(pollutant, highest)
            continue
        one_hour = sub_index_array(O3_1H, highest)
        eight = rolling_mean(values, 8, EIGHT_HOUR_MIN_HOURS)[lead_hours:].reshape(
            days, HOURS_PER_DAY
        )
        with np.errstate(invalid="ignore"):
            eight_max = np.where(
                (~np.isnan(eight)).any(axis=1),
                np.max(np.where(np.isnan(eight), -np.inf, eight), axis=1),
                np.nan,
            )
        eight_hour = sub_index_array(O3_8H, eight_max)
        sub_values[pollutant] = np.fmax(one_hour, eight_hour)  # fmax ignores a NaN side
    return _combine_arrays(sub_values, days)
