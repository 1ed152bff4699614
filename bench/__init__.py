"""Benchmarks of the birth-certificate service on the sandbox (`make bench`). Not tests: they measure.

Kept empty on purpose: the cold-start child (bench/child.py) is run as a script, so nothing here is
imported ahead of the handler it measures.
"""
