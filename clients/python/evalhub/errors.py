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


class InputContentError(EvalhubError):
    """An input of the run no longer holds the content its version recorded: the run cannot be
    reproduced on it. ``actual_digest`` is None when there is no content to read."""

    def __init__(self, message: str, role: str | None = None, kind: str | None = None,
                 version: str | None = None, uri: str | None = None, state: str | None = None,
                 recorded_digest: str | None = None, actual_digest: str | None = None):
        super().__init__(message)
        self.role = role
        self.kind = kind
        self.version = version
        self.uri = uri
        self.state = state
        self.recorded_digest = recorded_digest
        self.actual_digest = actual_digest


class RunNotReproducibleError(EvalhubError):
    """The hub cannot re-execute the run: ``reason`` is EXTERNAL (recorded from outside the
    hub), NOT_FINISHED or NOT_SUCCEEDED."""

    def __init__(self, message: str, reason: str | None = None, status: str | None = None):
        super().__init__(message)
        self.reason = reason
        self.status = status


class RunnerUnavailableError(EvalhubError):
    """The hub does not have the runner version the run used (``installed_version``: the one
    it has, or None)."""

    def __init__(self, message: str, runner: str | None = None, version: str | None = None,
                 installed_version: str | None = None):
        super().__init__(message)
        self.runner = runner
        self.version = version
        self.installed_version = installed_version


class ModelContentError(EvalhubError):
    """The content registered as a model is not what its ``format`` says (e.g. a file that is
    not an ONNX model); ``path`` names the field, e.g. ``["input", "uri"]``."""

    def __init__(self, message: str, format: str | None = None, path: list[str] | None = None):
        super().__init__(message)
        self.format = format
        self.path = list(path or [])


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
    if name == "InputContentError":
        return InputContentError(
            message, result.get("role"), result.get("kind"), result.get("version"), result.get("uri"),
            result.get("state"), result.get("recordedDigest"), result.get("actualDigest"),
        )
    if name == "RunNotReproducibleError":
        return RunNotReproducibleError(message, result.get("reason"), result.get("status"))
    if name == "RunnerUnavailableError":
        return RunnerUnavailableError(
            message, result.get("runner"), result.get("version"), result.get("installedVersion")
        )
    if name == "ModelContentError":
        return ModelContentError(message, result.get("format"), result.get("path"))
    return EvalhubError(f"{name}: {message}")


TYPED_ERRORS = {
    "ValidationError",
    "NotFoundError",
    "ConflictError",
    "DigestMismatchError",
    "ForbiddenError",
    "InputContentError",
    "RunNotReproducibleError",
    "RunnerUnavailableError",
    "ModelContentError",
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

# The errors only reproduceRun returns, besides ERROR_FIELDS'.
# A model version's registration may also be refused for its content.
REGISTER_MODEL_ERROR_FIELDS = ERROR_FIELDS + """
      ... on ModelContentError { format path }
"""

REPRODUCE_ERROR_FIELDS = ERROR_FIELDS + """
      ... on InputContentError { role kind version uri state recordedDigest actualDigest }
      ... on RunNotReproducibleError { reason status }
      ... on RunnerUnavailableError { runner version installedVersion }
"""
