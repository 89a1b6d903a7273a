"""The encrypted column type. A model declares a personal field as

    full_name: Optional[bytes] = Field(default=None, sa_type=Ciphertext)

and only `Sealed` values (made by the Vault) can be written to it: a plaintext str or bytes that
reaches such a column raises before it reaches the database. Services never build or read
ciphertext themselves; they go through the Vault."""
from __future__ import annotations

from sqlalchemy.types import LargeBinary, TypeDecorator


class Sealed(bytes):
    """Ciphertext produced by crypto.envelope.seal."""


class PlaintextRefused(TypeError):
    pass


class Ciphertext(TypeDecorator):
    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, Sealed):
            raise PlaintextRefused("only sealed values may be stored in an encrypted column")
        return bytes(value)

    def process_result_value(self, value, dialect):
        return None if value is None else Sealed(value)
