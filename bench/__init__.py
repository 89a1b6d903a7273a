"""`make bench`: load realistic volume (generate.py), then measure it with wrk (run.py).
See docs/PERFORMANCE.md."""
