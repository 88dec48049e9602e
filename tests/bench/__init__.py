"""Benchmarks: run as scripts, never collected as tests."""
