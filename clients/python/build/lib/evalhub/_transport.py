"""GraphQL over HTTP with the standard library, and the REST routes next to it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from .errors import (
    TYPED_ERRORS,
    AuthenticationError,
    ForbiddenError,
    GraphQLError,
    NotFoundError,
    TransportError,
    from_typed,
)


class Transport:
    def __init__(self, url: str, token: str | None, timeout: float):
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    @property
    def ws_url(self) -> str:
        return "ws" + self.url[len("http") :] + "/graphql"

    def headers(self) -> dict[str, str]:
        headers = {"accept": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        return headers

    def _open(self, request: urllib.request.Request, timeout: float | None = None):
        try:
            return urllib.request.urlopen(request, timeout=timeout or self.timeout)
        except urllib.error.HTTPError as error:
            body = error.read().decode("utf-8", "replace")
            try:
                message = json.loads(body).get("error") or body
            except (ValueError, AttributeError):
                message = body
            if error.code == 401:
                raise AuthenticationError(message or "the hub needs a token (EVALHUB_TOKEN)") from None
            if error.code == 403:
                raise ForbiddenError(message) from None
            if error.code == 404:
                raise NotFoundError(message) from None
            if error.code >= 500:
                raise TransportError(f"HTTP {error.code}: {message}") from None
            return error  # 400 and friends still carry a GraphQL answer
        except (urllib.error.URLError, OSError) as error:
            raise TransportError(f"cannot reach the hub at {self.url}: {error}") from None

    def graphql(self, query: str, variables: dict | None = None) -> dict[str, Any]:
        """The `data` of a GraphQL answer; GraphQLError when it has errors."""
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=body,
            method="POST",
            headers={**self.headers(), "content-type": "application/json"},
        )
        with self._open(request) as response:
            text = response.read().decode("utf-8")
        try:
            answer = json.loads(text)
        except ValueError:
            raise TransportError(f"the hub answered something other than JSON: {text[:200]}") from None
        if answer.get("errors"):
            messages = "; ".join(e.get("message", "?") for e in answer["errors"])
            raise GraphQLError(messages, answer["errors"])
        return answer["data"]

    def mutate(self, field: str, query: str, variables: dict) -> dict[str, Any]:
        """The payload of a mutation; the exception of its typed error if it returned one."""
        result = self.graphql(query, variables)[field]
        if result.get("__typename") in TYPED_ERRORS:
            raise from_typed(result)
        return result

    def request(self, method: str, path: str, data: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
        """Any request to a route under the hub: (status, headers, body), whatever the status;
        TransportError only when the hub cannot be reached."""
        request = urllib.request.Request(
            f"{self.url}{path}", data=data, method=method, headers={**self.headers(), **(headers or {})}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()
        except (urllib.error.URLError, OSError) as error:
            raise TransportError(f"cannot reach the hub at {self.url}: {error}") from None

    def get(self, path: str, timeout: float | None = None) -> bytes:
        request = urllib.request.Request(f"{self.url}{path}", headers=self.headers())
        with self._open(request, timeout) as response:
            if response.status >= 400:
                raise TransportError(f"HTTP {response.status}: {response.read()[:200]!r}")
            return response.read()
