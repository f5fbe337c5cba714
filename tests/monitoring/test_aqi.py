"""VN_AQI by hand (Decision 1459/QĐ-TCMT, SPEC §8): breakpoints, NowCast, hourly and daily rules."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from motcua.monitoring import aqi
from motcua.monitoring.aqi import (
    BREAKPOINTS,
    CATEGORIES,
    INDEX_LEVELS,
    category_for,
    daily_aqi,
    hourly_aqi,
    nowcast,
    round_half_up,
    sub_index,
)

COLUMNS = list(BREAKPOINTS)
concentrations = st.decimals(min_value=0, max_value=200_000, places=2)
hour_values = st.one_of(st.none(), st.decimals(min_value=0, max_value=1000, places=1))


def _rounded(column, concentration):
    value = sub_index(column, concentration)
    return None if value is None else round_half_up(value)


# --- breakpoints and interpolation --------------------------------------------------------------


@pytest.mark.parametrize("column", COLUMNS)
def test_every_breakpoint_maps_exactly_to_its_index_value(column):
    # given each breakpoint BP_i of the column, when it is the concentration, then AQI = I_i
    for breakpoint, level in zip(BREAKPOINTS[column], INDEX_LEVELS, strict=False):
        assert sub_index(column, breakpoint) == level


def test_interpolation_by_hand():
    # PM2.5 37.5 lies in [25, 50] → (100 − 50) / (50 − 25) × (37.5 − 25) + 50 = 2 × 12.5 + 50 = 75
    assert sub_index("PM2.5", 37.5) == 75
    # NO2 250 lies in [200, 700] → (150 − 100) / (700 − 200) × (250 − 200) + 100 = 105
    assert sub_index("NO2", 250) == 105
    # CO 20 000 lies in [10 000, 30 000] → 50 / 20 000 × 10 000 + 50 = 75
    assert sub_index("CO", 20_000) == 75
    # O3 (1 h) 180 lies in [160, 200] → 50 / 40 × 20 + 50 = 75
    assert sub_index("O3_1h", 180) == 75
    # O3 (8 h) 180 lies in [170, 210] → 50 / 40 × 10 + 150 = 162.5
    assert sub_index("O3_8h", 180) == Decimal("162.5")
    # PM10 385 lies in [350, 420] → 100 / 70 × 35 + 200 = 250
    assert sub_index("PM10", 385) == 250


def test_rounding_is_half_up_not_to_even():
    # PM10 51 in [50, 150] → 0.5 × 1 + 50 = 50.5: Python's round() would give 50, the rule 51
    assert sub_index("PM10", 51) == Decimal("50.5")
    assert round(50.5) == 50
    assert _rounded("PM10", 51) == 51
    # SO2 400 in [350, 550] → 50 / 200 × 50 + 100 = 112.5 → 113
    assert _rounded("SO2", 400) == 113
    assert round_half_up(Decimal("112.4999")) == 112


def test_a_concentration_above_the_last_breakpoint_gives_500():
    assert sub_index("PM2.5", 600) == 500
    assert sub_index("CO", 1_000_000) == 500
    assert sub_index("O3_1h", 1201) == 500


def test_o3_eight_hour_above_400_has_no_index():
    # the 8-hour column stops at 400 µg/m³: above it the daily rule uses the 1-hour value
    assert sub_index("O3_8h", 400) == 300
    assert sub_index("O3_8h", Decimal("400.1")) is None


def test_negative_or_not_a_number_is_refused():
    with pytest.raises(ValueError):
        sub_index("PM10", -1)
    with pytest.raises(ValueError):
        sub_index("PM10", float("nan"))


@given(column=st.sampled_from(COLUMNS), low=concentrations, high=concentrations)
def test_the_index_is_monotonic_in_the_concentration(column, low, high):
    low, high = sorted((low, high))
    assume(column != "O3_8h" or high <= 400)
    assert sub_index(column, low) <= sub_index(column, high)


@given(column=st.sampled_from(COLUMNS), concentration=concentrations)
def test_the_index_stays_on_the_scale(column, concentration):
    value = sub_index(column, concentration)
    assume(value is not None)
    assert 0 <= value <= 500


# --- categories ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aqi_value", "name", "color"),
    [
        (0, "Tốt", "#00e400"),
        (50, "Tốt", "#00e400"),
        (51, "Trung bình", "#ffff00"),
        (100, "Trung bình", "#ffff00"),
        (101, "Kém", "#ff7e00"),
        (150, "Kém", "#ff7e00"),
        (151, "Xấu", "#ff0000"),
        (200, "Xấu", "#ff0000"),
        (201, "Rất xấu", "#8f3f97"),
        (300, "Rất xấu", "#8f3f97"),
        (301, "Nguy hại", "#7e0023"),
        (500, "Nguy hại", "#7e0023"),
    ],
)
def test_category_boundaries(aqi_value, name, color):
    category = category_for(aqi_value)
    assert category.name_vi == name
    assert category.color == color


@given(st.integers(min_value=0, max_value=500))
def test_every_index_has_exactly_one_category(value):
    matching = [c for c in CATEGORIES if c.low <= value <= c.high]
    assert matching == [category_for(value)]


def test_category_text_is_readable_on_its_colour():
    # yellow needs black text; purple and maroon need white; every pair reaches WCAG AA (4.5)
    assert category_for(75).text_color == "#000000"
    assert category_for(250).text_color == "#ffffff"
    assert category_for(400).text_color == "#ffffff"
    for category in CATEGORIES:
        text = (0, 0, 0) if category.text_color == "#000000" else (255, 255, 255)
        assert aqi.contrast_ratio(category.rgb, text) >= 4.5
        assert category.advice_general_vi and category.advice_sensitive_vi
        assert category.advice_general_en and category.advice_sensitive_en
        assert category.name("en") == category.name_en
        assert category.css_class == f"aqi-{category.level}"


# --- NowCast ------------------------------------------------------------------------------------


def test_nowcast_with_weight_at_its_floor_by_hand():
    # c1 = 40, c2 = 20, c3 = 30: w* = 20 / 40 = ½, not above ½, so w = ½
    # NowCast = (40 + ½·20 + ¼·30) / (1 + ½ + ¼) = 57.5 / 1.75 = 32.857142857...
    value = nowcast([40, 20, 30])
    assert abs(Fraction(value) - Fraction("57.5") / Fraction("1.75")) < Fraction(1, 10**30)
    # PM2.5 → 2 × (32.857 − 25) + 50 = 65.71 → 66
    assert hourly_aqi({"PM2.5": [40, 20, 30]}).aqi == 66


def test_nowcast_with_missing_hours_by_hand():
    # c1 = 30, c2 = 40, c3 missing, c4 = 36; w* = 30 / 40 = 0.75 > ½, so w = 0.75
    # NowCast = (30 + 0.75·40 + 0.75³·36) / (1 + 0.75 + 0.75³) = 75.1875 / 2.171875 = 34.6187...
    expected = Fraction("75.1875") / Fraction("2.171875")
    value = nowcast([30, 40, None, 36])
    assert abs(Fraction(value) - expected) < Fraction(1, 10**30)
    # PM2.5 → 2 × (34.6187 − 25) + 50 = 69.24 → 69
    assert hourly_aqi({"PM2.5": [30, 40, None, 36]}).aqi == 69


def test_nowcast_uses_at_most_twelve_hours():
    # the 13th hour (1000) is outside the window: twelve hours of 10 give 10
    assert nowcast([10] * 12 + [1000]) == 10


def test_nowcast_of_zeros_is_zero():
    assert nowcast([0, 0, None, 0]) == 0


@pytest.mark.parametrize(
    ("first_three", "has_value"),
    [
        ([5, 5, 5], True),
        ([5, 5, None], True),
        ([5, None, 5], True),
        ([None, 5, 5], True),
        ([5, None, None], False),
        ([None, 5, None], False),
        ([None, None, 5], False),
        ([None, None, None], False),
    ],
)
def test_nowcast_needs_two_of_the_three_latest_hours(first_three, has_value):
    # the nine older hours are all present: they cannot make up for the latest three
    assert (nowcast([*first_three, *[5] * 9]) is not None) is has_value


@given(value=st.decimals(min_value=0, max_value=1000, places=2), hours=st.integers(2, 12))
def test_nowcast_of_a_constant_series_is_the_constant(value, hours):
    assert nowcast([value] * hours) == value


@given(st.lists(hour_values, min_size=12, max_size=12))
def test_nowcast_lies_between_the_smallest_and_largest_hour(hours):
    value = nowcast(hours)
    present = [h for h in hours if h is not None]
    if sum(h is not None for h in hours[:3]) < 2:
        assert value is None
    else:
        assert min(present) <= value <= max(present)


@given(low=st.decimals(0, 700, places=1), high=st.decimals(0, 700, places=1))
def test_hourly_pm_index_is_monotonic_in_a_steady_concentration(low, high):
    # (NowCast itself is not monotonic in an old hour: raising the smallest value raises w and
    # gives the older hours more weight; the index is monotonic in the concentration)
    low, high = sorted((low, high))
    for pollutant in ("PM2.5", "PM10"):
        assert hourly_aqi({pollutant: [low] * 12}).aqi <= hourly_aqi({pollutant: [high] * 12}).aqi


# --- hourly AQI ---------------------------------------------------------------------------------


def test_hourly_aqi_is_the_largest_sub_index_with_its_pollutant():
    # PM2.5 constant 37.5 → NowCast 37.5 → 75; NO2 250 → 105; O3 180 (1 h column) → 75
    result = hourly_aqi(
        {"PM2.5": [37.5] * 12, "NO2": [250], "O3": [180, 999], "CO": [None], "SO2": []}
    )
    assert result.aqi == 105
    assert result.dominant == "NO2"
    assert result.sub_indices == {"PM2.5": 75, "NO2": 105, "O3": 75}
    assert result.category.name_vi == "Kém"


def test_hourly_aqi_needs_pm10_or_pm25():
    # gases alone give sub-indices but no index
    result = hourly_aqi({"NO2": [250], "PM10": [40, None, None]})
    assert result.aqi is None
    assert result.dominant is None
    assert result.category is None
    assert result.sub_indices == {"NO2": 105}


def test_hourly_aqi_ties_go_to_the_particles():
    # PM10 constant 100 → 0.5 × 50 + 50 = 75; PM2.5 37.5 → 75: the same, PM2.5 named first
    result = hourly_aqi({"PM10": [100, 100], "PM2.5": [37.5, 37.5]})
    assert (result.aqi, result.dominant) == (75, "PM2.5")


@given(
    pm=st.decimals(min_value=0, max_value=700, places=1),
    gas=st.sampled_from(["SO2", "NO2", "CO", "O3"]),
    low=st.decimals(min_value=0, max_value=160_000, places=1),
    high=st.decimals(min_value=0, max_value=160_000, places=1),
)
def test_hourly_aqi_is_monotonic_in_each_concentration(pm, gas, low, high):
    low, high = sorted((low, high))
    first = hourly_aqi({"PM10": [pm, pm], gas: [low]})
    second = hourly_aqi({"PM10": [pm, pm], gas: [high]})
    assert first.aqi <= second.aqi


# --- daily AQI ----------------------------------------------------------------------------------


def _day(value):
    return [value] * 24


def test_daily_aqi_by_hand():
    # PM2.5: hours 00–11 at 20, 12–23 at 40 → 24-hour mean 30 → 2 × 5 + 50 = 60
    # SO2: the highest hourly mean 400 → 50 / 200 × 50 + 100 = 112.5 → 113 (half up)
    so2 = [100] * 24
    so2[15] = 400
    result = daily_aqi({"PM2.5": [20] * 12 + [40] * 12, "SO2": so2})
    assert result.sub_indices == {"PM2.5": 60, "SO2": 113}
    assert (result.aqi, result.dominant) == (113, "SO2")


def test_daily_o3_takes_the_larger_of_the_one_and_eight_hour_indices():
    # O3 at 180 all day, one hour at 250: the 1-hour index is 50 / 100 × 50 + 100 = 125; the
    # highest 8-hour mean is (7 × 180 + 250) / 8 = 188.75 → 50 / 40 × 18.75 + 150 = 173.4375
    o3 = _day(180)
    o3[10] = 250
    result = daily_aqi({"PM10": _day(40), "O3": o3})
    assert result.sub_indices["O3"] == 173
    assert result.dominant == "O3"


def test_daily_o3_above_400_over_eight_hours_uses_the_one_hour_value_only():
    # O3 at 450 all day: the 8-hour mean 450 is beyond the 8-hour table, so the index comes from
    # the highest 1-hour mean: 100 / 400 × 50 + 200 = 212.5 → 213
    result = daily_aqi({"PM2.5": _day(10), "O3": _day(450)})
    assert result.sub_indices["O3"] == 213
    assert result.aqi == 213


def test_daily_o3_eight_hour_means_reach_into_the_evening_before():
    # O3 of 300 during the seven hours before midnight, then 100: the 8-hour mean ending at 00:00
    # is (7 × 300 + 100) / 8 = 275 → 100 / 190 × 65 + 200 = 234.2 → 234; without the evening
    # before, the day's own hours give 100 → 50 (8-hour), 1-hour 100 → 31.25 → 50 wins
    day = {"PM2.5": _day(10), "O3": _day(100)}
    assert daily_aqi(day, o3_before=[300] * 7).sub_indices["O3"] == 234
    assert daily_aqi(day).sub_indices["O3"] == 50


def test_daily_pm_needs_eighteen_hours():
    # 17 hours of PM2.5 are not enough for a 24-hour mean (75 %): no daily index at all
    short = [50] * 17 + [None] * 7
    assert daily_aqi({"PM2.5": short, "NO2": _day(50)}).aqi is None
    # 18 hours are: the mean of those present, 50 → 100
    enough = [50] * 18 + [None] * 6
    assert daily_aqi({"PM2.5": enough}).aqi == 100


def test_daily_gases_use_the_highest_hour_even_with_gaps():
    # CO: one hour of 45 000 → 150 whatever the other hours
    co = [None] * 24
    co[3] = 45_000
    assert daily_aqi({"PM10": _day(0), "CO": co}).sub_indices["CO"] == 150


@given(
    hours=st.lists(st.decimals(min_value=0, max_value=900, places=1), min_size=24, max_size=24),
    position=st.integers(0, 23),
    pollutant=st.sampled_from(["PM2.5", "PM10", "SO2", "NO2", "CO"]),
)
def test_daily_aqi_is_monotonic_in_each_hour(hours, position, pollutant):
    higher = list(hours)
    higher[position] += 25
    base = {"PM2.5": _day(Decimal(30))} if pollutant != "PM2.5" else {}
    assert daily_aqi({**base, pollutant: hours}).aqi <= daily_aqi({**base, pollutant: higher}).aqi
