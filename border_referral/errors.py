"""Errors raised by services. Each carries a stable code, an HTTP status and a translated message;
views turn them into a flash message or an error page, the API into a JSON error."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


class ServiceError(Exception):
    status = 400
    code = "bad_request"
    default_message = _l("The request could not be processed.")

    def __init__(self, message=None, *, field: str | None = None, details: dict | None = None):
        self.message = message if message is not None else self.default_message
        self.field = field
        self.details = details or {}
        super().__init__(str(self.code))

    def __str__(self) -> str:
        return str(self.message)


class ValidationError(ServiceError):
    status = 422
    code = "invalid"
    default_message = _l("Some of the information is not valid.")


class PermissionDenied(ServiceError):
    status = 403
    code = "forbidden"
    default_message = _l("You do not have permission to do this.")


class NotFound(ServiceError):
    status = 404
    code = "not_found"
    default_message = _l("Not found.")


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    default_message = _l("Someone else changed this record in the meantime. Reload it and try again.")


class Throttled(ServiceError):
    status = 429
    code = "too_many_attempts"
    default_message = _l("Too many attempts. Please wait and try again later.")
