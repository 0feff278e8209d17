"""Live streams over graphql-ws (the graphql-transport-ws protocol) with `websockets`.

The connection runs on an event loop of its own, in a thread, so that a stream can be read
the same way from a script and from a notebook (whose own loop is already running).
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

from .errors import AuthenticationError, GraphQLError, TransportError

_DONE = object()


class StreamDropped(TransportError):
    """The connection went away before the stream completed; subscribe again from the cursor."""


def subscribe(
    ws_url: str, token: str | None, query: str, variables: dict, open_timeout: float = 30
) -> Iterator[dict[str, Any]]:
    """Each `data` the subscription delivers, until it completes; StreamDropped if cut."""
    import websockets  # required for streams only

    items: queue.Queue = queue.Queue()
    stop = threading.Event()

    async def run() -> None:
        try:
            async with websockets.connect(
                ws_url, subprotocols=["graphql-transport-ws"], open_timeout=open_timeout
            ) as ws:
                init: dict[str, Any] = {"type": "connection_init"}
                if token:
                    init["payload"] = {"authorization": f"Bearer {token}"}
                await ws.send(json.dumps(init))
                ack = json.loads(await asyncio.wait_for(ws.recv(), open_timeout))
                if ack.get("type") != "connection_ack":
                    raise AuthenticationError(f"the hub refused the stream: {ack}")
                await ws.send(
                    json.dumps(
                        {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}
                    )
                )
                while not stop.is_set():
                    try:
                        message = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
                    except asyncio.TimeoutError:
                        continue
                    kind = message.get("type")
                    if kind == "ping":
                        await ws.send(json.dumps({"type": "pong"}))
                    elif kind == "next":
                        payload = message["payload"]
                        if payload.get("errors"):
                            raise GraphQLError(
                                "; ".join(e.get("message", "?") for e in payload["errors"]),
                                payload["errors"],
                            )
                        items.put(payload["data"])
                    elif kind == "error":
                        raise GraphQLError(
                            "; ".join(e.get("message", "?") for e in message["payload"]),
                            message["payload"],
                        )
                    elif kind == "complete":
                        items.put(_DONE)
                        return
        except websockets.exceptions.InvalidHandshake as error:
            response = getattr(error, "response", None)
            status = getattr(error, "status_code", None) or getattr(response, "status_code", None)
            if status == 401:
                items.put(AuthenticationError("the hub refused the stream's token"))
            else:
                items.put(StreamDropped(f"the stream was refused: {error}"))
        except (websockets.exceptions.ConnectionClosed, OSError, asyncio.TimeoutError) as error:
            items.put(StreamDropped(f"the stream was cut: {error!r}"))
        except Exception as error:  # handed to the reader, raised there
            items.put(error)
        else:
            items.put(_DONE)

    thread = threading.Thread(target=lambda: asyncio.run(run()), daemon=True, name="evalhub-stream")
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)
