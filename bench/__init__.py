"""Benchmarks and their shared catalogue generator (run each as ``python -m bench.<name>``)."""
