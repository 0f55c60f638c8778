"""`python -m benchmarks`: run every benchmark through pytest (Home Assistant's test harness) and print figures.

Extra arguments go to pytest, e.g. `-k webhook` for one benchmark.
"""

from __future__ import annotations

from pathlib import Path
import sys

import pytest

HERE = Path(__file__).parent


def main() -> int:
    """Run the benchmarks; pytest's exit code (0 unless a benchmark crashed: targets are printed, not asserted)."""
    args = [
        str(HERE / "bench_status_tracker.py"),
        str(HERE / "bench_library_timing.py"),
        "-s",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:sugar",
        "-o",
        "timeout=600",
        "--rootdir",
        str(HERE.parent),
        "-c",
        str(HERE.parent / "pyproject.toml"),
        *sys.argv[1:],
    ]
    return int(pytest.main(args))


if __name__ == "__main__":
    sys.exit(main())
