"""Performance benchmarks of status_tracker (issue 7): run with `scripts/bench` or `.venv/bin/python -m benchmarks`."""
