"""Smoke tests of the benchmark harness (bench/): it runs and reports; nothing here is timed."""
