"""pytest-mturk benchmarks (issue 7): ``python benchmarks/run.py [--quick] [--output PATH]``."""
