"""Run every benchmark module in bench/; exit status 1 when one misses its target."""

import importlib
import os
import pkgutil
import sys
from pathlib import Path

from bench import measure


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.config.settings")
    import django

    django.setup()
    modules = sorted(
        info.name
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if info.name.startswith("bench_")
    )
    failures = 0
    print(f"{'benchmark':50} {'per second':>12} {'target':>10}  result")
    for module_name in modules:
        module = importlib.import_module(f"bench.{module_name}")
        if getattr(module, "SKIP", ""):
            print(f"{module_name:50} skipped: {module.SKIP}")
            continue
        for benchmark in module.BENCHMARKS:
            rate = measure(benchmark)
            ok = rate >= benchmark.target_per_second
            failures += not ok
            verdict = "ok" if ok else "MISSED"
            print(
                f"{benchmark.name:50} {rate:12,.0f} {benchmark.target_per_second:10,.0f}  {verdict}"
            )
    if not modules:
        print("(no benchmarks yet)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
