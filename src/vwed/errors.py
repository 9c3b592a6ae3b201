"""The exception hierarchy: every failure a user can cause is a `VwedError` with a status and message key.

Services raise these; one handler in `vwed.web` turns them into the seed's envelope
`{"success": false, "error": "<message>"}` in the caller's language.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


class VwedError(Exception):
    """An error the platform reports to its caller.

    Args:
        key: message key in `vwed.i18n`; the class default when omitted.
        **params: values substituted into the message.
    """

    status_code: ClassVar[int] = 500
    default_key: ClassVar[str] = "internal_error"

    def __init__(self, key: str | None = None, /, **params: Any) -> None:
        self.key = key or self.default_key
        self.params = params
        super().__init__(self.key, params)

    def headers(self) -> dict[str, str]:
        """Response headers the failure needs (`WWW-Authenticate` for a 401, `Allow` for a 405)."""
        return {}


class BadRequest(VwedError):
    """The request is malformed or violates a rule (400)."""

    status_code = 400
    default_key = "bad_request"


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field: its path (`jump_list[0].type`) and a message key with parameters."""

    field: str
    key: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class InvalidFields(BadRequest):
    """Fields of the request are invalid (400); `problems` become the envelope's `detail` list."""

    default_key = "validation_failed"

    def __init__(self, problems: Sequence[FieldProblem], key: str | None = None, /, **params: Any) -> None:
        super().__init__(key, **params)
        self.problems = tuple(problems)


class Unauthorized(VwedError):
    """No valid bearer token was presented (401)."""

    status_code = 401
    default_key = "unauthorized"

    def headers(self) -> dict[str, str]:
        """The scheme a client should authenticate with."""
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(VwedError):
    """The caller's token may not do this (403)."""

    status_code = 403
    default_key = "forbidden"


class NotFound(VwedError):
    """The resource does not exist, or belongs to another tenant (404)."""

    status_code = 404
    default_key = "not_found"


class Conflict(VwedError):
    """The request clashes with existing state, such as a duplicate name (409)."""

    status_code = 409
    default_key = "conflict"


class PayloadTooLarge(VwedError):
    """The request body or upload exceeds a configured cap (400, as the seed knows no 413)."""

    status_code = 400
    default_key = "payload_too_large"


class Unavailable(VwedError):
    """A needed service is not running or the system is busy (503)."""

    status_code = 503
    default_key = "unavailable"
