"""`python -m bench`: the platform's figures beside the raw ceilings of this machine, one run.

Not part of the pass/fail suite (only `python -m bench --smoke` is, through
tests/bench/test_bench_smoke.py). See docs/performance.md for a full run and what limits it.
"""
