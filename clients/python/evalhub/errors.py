"""Exceptions named after the hub's typed errors.

A mutation the hub refuses changes nothing and answers with one of its typed errors; the
client raises the exception of the same name, carrying the same fields.
"""

from __future__ import annotations


class EvalhubError(Exception):
    """Anything the hub (or the way to it) refused or failed at."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationError(EvalhubError):
    """The input is wrong; ``path`` names the field, e.g. ``["input", "digest"]``."""

    def __init__(self, message: str, path: list[str] | None = None):
        super().__init__(message)
        self.path = list(path or [])

    def __str__(self) -> str:
        return f"{self.message} (at {'.'.join(self.path)})" if self.path else self.message


class NotFoundError(EvalhubError):
    """Nothing you may see answers to a reference."""

    def __init__(self, message: str, entity: str | None = None, ref: str | None = None):
        super().__init__(message)
        self.entity = entity
        self.ref = ref


class ConflictError(EvalhubError):
    """The change contradicts what the hub has recorded."""

    def __init__(self, message: str, existing_id: str | None = None):
        super().__init__(message)
        self.existing_id = existing_id


class DigestMismatchError(EvalhubError):
    """The digest given is not the digest of the content."""

    def __init__(self, message: str, expected: str | None = None, actual: str | None = None):
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class ForbiddenError(EvalhubError):
    """Your role in the project does not allow the change."""

    def __init__(
        self,
        message: str,
        project: str | None = None,
        required: str | None = None,
        held: str | None = None,
    ):
        super().__init__(message)
        self.project = project
        self.required = required
        self.held = held


class AuthenticationError(EvalhubError):
    """The hub does not know who you are: no token, or one it does not accept (HTTP 401)."""


class GraphQLError(EvalhubError):
    """The hub answered a query with errors (a bug, or a request it could not run)."""

    def __init__(self, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.errors = errors or []


class TransportError(EvalhubError):
    """The hub could not be reached, or answered with something other than GraphQL."""


def from_typed(result: dict) -> EvalhubError:
    """The exception for a typed error the hub returned as a mutation's result."""
    name = result.get("__typename", "")
    message = result.get("message") or name
    if name == "ValidationError":
        return ValidationError(message, result.get("path"))
    if name == "NotFoundError":
        return NotFoundError(message, result.get("entity"), result.get("ref"))
    if name == "ConflictError":
        return ConflictError(message, result.get("existingId"))
    if name == "DigestMismatchError":
        return DigestMismatchError(message, result.get("expected"), result.get("actual"))
    if name == "ForbiddenError":
        return ForbiddenError(
            message, result.get("project"), result.get("required"), result.get("held")
        )
    return EvalhubError(f"{name}: {message}")


TYPED_ERRORS = {
    "ValidationError",
    "NotFoundError",
    "ConflictError",
    "DigestMismatchError",
    "ForbiddenError",
}

# Asked of every mutation: whichever typed error it returns, with its fields.
ERROR_FIELDS = """
      ... on Error { message }
      ... on ValidationError { path }
      ... on NotFoundError { entity ref }
      ... on ConflictError { existingId }
      ... on DigestMismatchError { expected actual }
      ... on ForbiddenError { project required held }
"""
