"""Cryptography for personal data: the key ring outside the database, envelope encryption with a
data key per record, the encrypted column type, blind indexes and encrypted files.

Everything that decrypts goes through `Vault`, which services open only after their permission
check and which writes the audit record of the read."""
