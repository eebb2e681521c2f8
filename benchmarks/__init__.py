"""Timed comparisons (never assertions): ``python -m benchmarks`` runs every ``bench_*.py`` module's ``main()``.

Speeds are reported as ratios against a baseline measured in the same run on the same machine.
"""
