"""Benchmarks (``make bench``): latency, throughput, cold start and memory, written to bench/results.json."""
