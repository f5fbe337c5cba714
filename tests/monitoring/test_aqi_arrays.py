"""The numpy path of VN_AQI (used by the recomputation) gives what the exact reference gives."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.monitoring.aqi import (
    POLLUTANTS,
    daily_aqi,
    daily_aqi_arrays,
    hourly_aqi,
    hourly_aqi_arrays,
    nowcast,
    nowcast_array,
)

# Values with one decimal, as stations send them; None is a missing or invalid hour.
value = st.one_of(st.none(), st.none(), st.integers(0, 6000).map(lambda tenths: tenths / 10))
big_value = st.one_of(st.none(), st.integers(0, 1_600_000).map(lambda tenths: tenths / 10))


def _array(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _assert_same(result, arrays, index):
    """The reference `result` equals position `index` of `arrays`."""
    got = arrays.aqi[index]
    assert (result.aqi is None) == math.isnan(got)
    if result.aqi is not None:
        assert result.aqi == int(got)
    got_subs = {
        pollutant: int(values[index])
        for pollutant, values in arrays.sub_indices.items()
        if not math.isnan(values[index])
    }
    assert got_subs == result.sub_indices
    got_dominant = None if arrays.dominant[index] < 0 else POLLUTANTS[arrays.dominant[index]]
    if got_dominant != result.dominant:
        # only a tie may name another pollutant, and then with the same index
        assert result.sub_indices[got_dominant] == result.aqi


@settings(max_examples=60, deadline=None)
@given(st.lists(value, min_size=1, max_size=40))
def test_nowcast_array_matches_the_reference(hours):
    arrays = nowcast_array(_array(hours))
    for t in range(len(hours)):
        expected = nowcast(hours[t::-1])
        if expected is None:
            assert math.isnan(arrays[t])
        else:
            assert math.isclose(arrays[t], float(expected), rel_tol=1e-12, abs_tol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    length=st.integers(1, 36),
    pollutants=st.sets(st.sampled_from(POLLUTANTS), min_size=1),
)
def test_hourly_arrays_match_the_reference(data, length, pollutants):
    series = {
        p: data.draw(st.lists(big_value if p == "CO" else value, min_size=length, max_size=length))
        for p in pollutants
    }
    arrays = hourly_aqi_arrays({p: _array(v) for p, v in series.items()})
    for t in range(length):
        result = hourly_aqi({p: v[t::-1] for p, v in series.items()})
        _assert_same(result, arrays, t)


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    days=st.integers(1, 3),
    lead=st.integers(0, 7),
    pollutants=st.sets(st.sampled_from(POLLUTANTS), min_size=1),
    dense=st.booleans(),
)
def test_daily_arrays_match_the_reference(data, days, lead, pollutants, dense):
    # dense series reach the 18-hour minimum; sparse ones often do not
    hour = st.integers(0, 6000).map(lambda tenths: tenths / 10) if dense else value
    length = lead + 24 * days
    series = {p: data.draw(st.lists(hour, min_size=length, max_size=length)) for p in pollutants}
    arrays = daily_aqi_arrays({p: _array(v) for p, v in series.items()}, lead_hours=lead)
    for d in range(days):
        start = lead + 24 * d
        day = {p: v[start : start + 24] for p, v in series.items()}
        before = series["O3"][max(0, start - 7) : start] if "O3" in series else ()
        _assert_same(daily_aqi(day, o3_before=before), arrays, d)


def test_half_up_survives_float_error():
    # PM10 51 → 50.5 exactly; in floats NowCast and interpolation must still round to 51
    # (the first hour has no NowCast: one of its latest three hours only)
    arrays = hourly_aqi_arrays({"PM10": np.array([51.0, 51.0])})
    assert math.isnan(arrays.aqi[0])
    assert arrays.aqi[1] == 51
    # SO2 400 → 112.5 → 113 with PM2.5 present
    arrays = hourly_aqi_arrays({"PM2.5": np.array([1.0, 1.0]), "SO2": np.array([400.0, 400.0])})
    assert arrays.aqi[1] == 113
