"""Per-request context (user, source address, request id) for audit rows and logs.

Held in a ContextVar so service functions deep in the call stack can record who acted
and from where without threading the request through every signature.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RequestContext:
    user: Any = None
    source_address: str = ""
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    channel: str = "cli"  # web | api | cli
    request: Any = None

    @property
    def actor(self) -> Any:
        """The acting user: set explicitly (CLI), else the request's (resolved lazily)."""
        if self.user is not None:
            return self.user
        return getattr(self.request, "user", None)


_current: ContextVar[RequestContext | None] = ContextVar("dangjian_request_context", default=None)


def current() -> RequestContext:
    ctx = _current.get()
    if ctx is None:
        ctx = RequestContext()
        _current.set(ctx)
    return ctx


@contextmanager
def use(ctx: RequestContext):
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
