"""Reliability tests: hostile inputs, a generated permission matrix, and delivery under faults."""
