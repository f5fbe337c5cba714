"""Benchmarks with their targets: `make bench` runs every bench/bench_*.py module.

A module `bench/bench_<name>.py` defines `BENCHMARKS`: a list of `Benchmark`s. Each runs its
function repeatedly for about `seconds` and compares the rate with `target_per_second`."""

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Benchmark:
    name: str
    run: Callable[[], object]
    target_per_second: float
    setup: Callable[[], object] | None = None
    seconds: float = 2.0


def measure(benchmark: Benchmark) -> float:
    if benchmark.setup:
        benchmark.setup()
    benchmark.run()  # warm caches
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < benchmark.seconds:
        benchmark.run()
        count += 1
    return count / elapsed
