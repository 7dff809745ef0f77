"""Guards around every request (issue 18, point 2): only a local Host, a bounded body, and the
security headers.

The Host check closes DNS rebinding (a web page on some domain that resolves to 127.0.0.1 cannot
talk to the explorer); the body limit refuses a large body before it is read and parsed; the
headers keep the page out of frames and forbid any script that is not one of our files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_LOCAL_HOST = re.compile(r"^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$", re.IGNORECASE)
# Plotly adds <style> elements at run time, hence 'unsafe-inline' for styles (never for scripts)
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer"),
           (b"cross-origin-opener-policy", b"same-origin")]


def local_host(value: str | None) -> bool:
    """Whether a Host header names this machine: 127.0.0.1, localhost or [::1], any port."""
    return value is not None and bool(_LOCAL_HOST.match(value.strip()))


class Guard:
    """ASGI middleware: 400 for a foreign Host, 413 for a body above `max_body`, headers always."""

    def __init__(self, app: ASGIApp, *, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if not local_host(headers.get("host")):
            await _answer(send, 400, "onbekende Host-header: de verkenner antwoordt alleen op "
                          "127.0.0.1 of localhost")
            return
        too_large = (f"het verzoek is te groot (meer dan {self.max_body:,} bytes; "
                     "request_max_bytes in models/limits/default.yaml)").replace(",", ".")
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.max_body:
                await _answer(send, 413, too_large)
                return
        elif "transfer-encoding" in headers:  # a chunked body: read up to the limit, then replay
            chunks, size = [], 0
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    break
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if size > self.max_body:
                    await _answer(send, 413, too_large)
                    return
                if not message.get("more_body"):
                    break
            body = b"".join(chunks)
            sent = False

            async def replay() -> Message:
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            receive = replay

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _answer(send: Send, status: int, error: str) -> None:
    body = json.dumps({"ok": False, "error": error}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *HEADERS]})
    await send({"type": "http.response.body", "body": body})
