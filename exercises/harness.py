"""What hidden checks are written with: an HTTP client whose failures read as feedback.

A hidden check is a plain function decorated with `@check("test_id")` taking a `Context`.
It talks to the learner's running app over HTTP only (`ctx.api`), and fails by raising
`Failure` with a sentence a learner can act on: the request, in public terms, what it
should have answered and what it answered. The check's own code is never shown.

An answer is read raw, at most MAX_ANSWER_BYTES of it and within the request's time, and
never decompressed (a small gzip answer could inflate to gigabytes in the grader). A check
that needs the files the app left goes through the context (`ctx.database_copy`,
`ctx.project_files`, `ctx.put_file`), never through paths: those open nothing through a
link (see files.py).

    @check("put_resets_omitted_fields")
    def _(ctx: Context) -> None:
        item = ctx.api.post(ITEMS, json={...}).expect(201).json()
        ctx.api.put(f"{ITEMS}{item['id']}", json={...}).expect(200, "and reset description")
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from exercises.files import Scan

ITEMS = "/api/v1/items/"
CheckFunction = Callable[["Context"], None]
MAX_ANSWER_BYTES = 1024 * 1024
# Headers of the answer as sent that the stored answer must not repeat: its body is kept
# as it came (not decompressed) and whole (no longer chunked).
_TRANSPORT_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


class Failure(AssertionError):
    """A behaviour the submission got wrong; the message is shown to the learner."""


def fail(message: str) -> None:
    """Fail the current check with MESSAGE (written for the learner)."""
    raise Failure(message)


def expect(condition: object, message: str) -> None:
    """Fail the current check with MESSAGE unless CONDITION holds."""
    if not condition:
        raise Failure(message)


def shown(value: Any, limit: int = 300) -> str:
    """VALUE as compact JSON for a message, cut at LIMIT characters."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


ABSENT = "(not in the answer)"


def differing_fields(expected: Mapping[str, Any], got: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of GOT that do not hold EXPECTED's value; one GOT lacks reads ABSENT.

    (A field left out of an answer is a different mistake from a field that is null.)
    """
    return {
        key: got.get(key, ABSENT)
        for key, value in expected.items()
        if key not in got or got[key] != value
    }


@dataclass
class Reply:
    """One request and its answer, able to describe itself in a failure message."""

    method: str
    path: str
    params: Mapping[str, Any] | None
    sent: Any
    response: httpx.Response
    encoding: str = ""  # the Content-Encoding the app sent (the body is kept as it came)

    @property
    def status(self) -> int:
        """The HTTP status code."""
        return self.response.status_code

    @property
    def request(self) -> str:
        """'PUT /api/v1/items/1?x=1 with {...}'"""
        text = f"{self.method} {self.path}"
        if self.params:
            text += "?" + str(httpx.QueryParams(dict(self.params)))
        if self.sent is not None:
            text += f" with {shown(self.sent)}"
        return text

    @property
    def packed(self) -> bool:
        """True when the app sent its body compressed (the grader keeps it as it came)."""
        return bool(self.encoding) and self.encoding.lower() != "identity"

    def body_excerpt(self) -> str:
        """The answer's body, short, for messages."""
        if self.packed:
            return (
                f"a body of {len(self.response.content)} bytes compressed with "
                f"{self.encoding}, which the grader does not unpack: send plain JSON"
            )
        text = self.response.text
        return text if len(text) <= 300 else text[:297] + "..."

    def expect(self, *statuses: int, why: str = "") -> Reply:
        """Fail unless the status is one of STATUSES; WHY says what should also happen."""
        if self.status not in statuses:
            wanted = " or ".join(str(code) for code in statuses)
            also = f" {why}" if why else ""
            body = f" with {self.body_excerpt()}" if self.response.content else ""
            raise Failure(
                f"{self.request} should answer {wanted}{also}; it answered {self.status}{body}."
            )
        return self

    def json(self) -> Any:
        """The body parsed as JSON, or a failure saying the body is not JSON."""
        try:
            return self.response.json()
        except ValueError:
            if self.packed:
                excerpt = self.body_excerpt()
                raise Failure(f"{self.request} answered {self.status} with {excerpt}.") from None
            raise Failure(
                f"{self.request} answered {self.status} with a body that is not JSON: "
                f"{self.body_excerpt()!r}."
            ) from None

    def item(self) -> dict[str, Any]:
        """The body as a JSON object (an item), or a failure."""
        body = self.json()
        if not isinstance(body, dict):
            raise Failure(f"{self.request} should answer a JSON object; it answered {shown(body)}.")
        return body

    def items(self) -> list[dict[str, Any]]:
        """The body as a JSON list of objects, or a failure."""
        body = self.json()
        if not isinstance(body, list) or not all(isinstance(entry, dict) for entry in body):
            raise Failure(
                f"{self.request} should answer a JSON list of items; it answered {shown(body)}."
            )
        return body


class ServerProbe(Protocol):
    """What Api needs to explain a connection failure."""

    def why_gone(self) -> str:
        """A sentence on why the server stopped answering ('' if it still runs)."""
        ...


class Api:
    """An HTTP client for the learner's app whose errors are Failures."""

    def __init__(
        self,
        base_url: str,
        timeout: float,
        server: ServerProbe | None = None,
        max_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        # No keep-alive: after an error some servers close the connection, and a reused
        # connection would turn the next request's answer into a transport error.
        limits = httpx.Limits(max_keepalive_connections=0)
        self._client = httpx.Client(
            base_url=base_url,
            timeout=timeout,
            limits=limits,
            headers={"accept-encoding": "identity"},
        )
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._server = server

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        content: str | None = None,
    ) -> Reply:
        """Send a request; a hang or a dead server becomes a Failure with the request."""
        sent = json if content is None else content
        reply = Reply(method, path, params, sent, httpx.Response(0))
        if content is not None:
            asked = self._client.build_request(
                method,
                path,
                params=params,
                content=content,
                headers={"content-type": "application/json"},
            )
        else:
            asked = self._client.build_request(method, path, json=json, params=params)
        started = time.monotonic()
        hangs = f"{reply.request} got no answer within {self.timeout:.0f} s: the request hangs."
        try:
            answer = self._client.send(asked, stream=True)
            try:
                body = bytearray()
                for chunk in answer.iter_raw():
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise Failure(
                            f"{reply.request} answered more than {self.max_bytes // 1024} KB; "
                            "the grader reads no more than that. No answer of this API needs "
                            "so much: does it send the same data again and again?"
                        )
                    if time.monotonic() - started > self.timeout:
                        raise Failure(hangs.replace("no answer", "no complete answer"))
            finally:
                answer.close()
        except httpx.TimeoutException:
            raise Failure(hangs) from None
        except httpx.TransportError:
            why = self._server.why_gone() if self._server else ""
            raise Failure(
                f"{reply.request} got no answer: the app closed the connection. {why}".strip()
            ) from None
        headers = [
            (key, value)
            for key, value in answer.headers.multi_items()
            if key.lower() not in _TRANSPORT_HEADERS
        ]
        reply.encoding = answer.headers.get("content-encoding", "")
        reply.response = httpx.Response(
            answer.status_code, headers=headers, content=bytes(body), request=asked
        )
        return reply

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Reply:
        """GET PATH."""
        return self.request("GET", path, params=params)

    def post(self, path: str, json: Any = None) -> Reply:
        """POST JSON to PATH."""
        return self.request("POST", path, json=json)

    def put(self, path: str, json: Any = None) -> Reply:
        """PUT JSON to PATH."""
        return self.request("PUT", path, json=json)

    def patch(self, path: str, json: Any = None) -> Reply:
        """PATCH JSON to PATH."""
        return self.request("PATCH", path, json=json)

    def delete(self, path: str) -> Reply:
        """DELETE PATH."""
        return self.request("DELETE", path)


class Context(Protocol):
    """What a check receives: the app over HTTP and the submission's project folder."""

    @property
    def api(self) -> Api:
        """A client for the running app (started on first use)."""
        ...

    @property
    def project(self) -> Path:
        """The grader's private copy of the submission."""
        ...

    def run_python(self, *args: str, timeout: float = 30) -> tuple[int | None, str]:
        """Run `python -I ARGS` in the project folder, in the sandbox: (exit code, output)."""
        ...

    def stop_server(self) -> None:
        """Stop the app (the next use of `api` starts it again, on the same files)."""
        ...

    def database_copy(self, name: str = "app.db") -> Path | None:
        """A private copy of the SQLite file NAME of the project (with its journal), made
        without following a link, to open with sqlite3; None when there is no such file.
        A link, a FIFO or a file too large to read fails the check with a message."""
        ...

    def put_file(self, name: str, data: bytes) -> None:
        """Replace the project's file NAME by DATA (a link there is removed, never written
        through), owned by the user the app runs as."""
        ...

    def remove_file(self, name: str) -> None:
        """Remove the project's file NAME if it is there (a link: the link itself)."""
        ...

    def project_files(self) -> Scan:
        """Every regular file the project holds now, with its bytes (capped), and what the
        grader refused to read (links, FIFOs, devices, files too large, folders too deep)."""
        ...


def check(test_id: str) -> Callable[[CheckFunction], CheckFunction]:
    """Mark a function as the hidden check for the test TEST_ID of exercise.toml."""

    def mark(function: CheckFunction) -> CheckFunction:
        function.__check_id__ = test_id  # type: ignore[attr-defined]
        return function

    return mark


def checks_of(namespace: Mapping[str, Any]) -> dict[str, CheckFunction]:
    """The checks defined in a module's namespace, by test id, in definition order."""
    found: dict[str, CheckFunction] = {}
    for value in namespace.values():
        test_id = getattr(value, "__check_id__", None)
        if callable(value) and isinstance(test_id, str):
            found[test_id] = value
    return found
