"""Files for every feature: what may be uploaded (checked from the bytes, images re-encoded without
metadata), and how a file or a generated document is sent back. Storage itself is encrypted by the
vault (crypto/files.py: chunked AES-GCM under a key derived from the record's data key)."""
