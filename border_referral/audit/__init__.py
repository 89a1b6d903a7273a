"""Append-only audit log, chained with HMACs under a key of the key ring, with signed checkpoints kept\noutside the database. Every feature writes through `record`."""
from .services import PAST_ONLY, checkpoint, flush_pending, read_checkpoints, record, verify  # noqa: F401
