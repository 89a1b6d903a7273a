"""Append-only, hash-chained audit log. Every feature writes through `record`."""
from .services import record, verify  # noqa: F401
