"""Mesa benchmarks: `make bench` (= `python -m benchmarks.run`) prints figures and writes them
to `bench-out/<section>.md` and `bench-out/<section>.json`. See benchmarks/README.md."""
