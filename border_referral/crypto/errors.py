"""Errors of the crypto layer. They never carry plaintext or key material."""
from flask_babel import lazy_gettext as _l

from ..errors import ServiceError


class IntegrityFailure(ServiceError):
    """Ciphertext that does not authenticate: tampered, moved to another row or field, truncated,
    or encrypted under a key that no longer exists (erased)."""

    status = 500
    code = "integrity_error"
    default_message = _l("This record could not be decrypted: it may have been altered or its key destroyed. "
                         "The event has been logged; contact your administrator.")


class KeyUnavailable(IntegrityFailure):
    code = "key_unavailable"
