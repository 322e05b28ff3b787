"""A fixed-window counter of sign-in starts per client address, in memory.

Each start of a sign-in costs a redirect and a provider's attention; a client that starts hundreds a minute is a
script. The counts live in the web process (no Redis or table, so it works the same in development on SQLite):
behind N workers the effective limit is N times the setting. The address is `request.remote_addr`, which is the
client's only when TRUSTED_PROXY_HOPS matches the proxies in front.
"""

from __future__ import annotations

import threading

from flask import current_app, request

from app import clock

MAX_TRACKED = 50_000  # addresses counted in one window; past it the window starts afresh rather than grow


class FixedWindow:
    def __init__(self, limit: int, seconds: int):
        self.limit, self.seconds = limit, seconds
        self._lock = threading.Lock()
        self._window: int | None = None
        self._counts: dict[str, int] = {}

    def hit(self, key: str) -> bool:
        """Count one hit for `key`; False once it has used up this window's limit."""
        if self.limit <= 0:
            return True
        current = int(clock.now().timestamp()) // self.seconds
        with self._lock:
            if current != self._window or len(self._counts) >= MAX_TRACKED:
                self._window = current
                self._counts.clear()
            self._counts[key] = self._counts.get(key, 0) + 1
            return self._counts[key] <= self.limit


def init_app(app) -> None:
    app.extensions["sign_in_starts"] = FixedWindow(app.config["SIGN_IN_RATE_LIMIT"],
                                                   app.config["SIGN_IN_RATE_WINDOW_SECONDS"])


def allow_sign_in_start() -> bool:
    return current_app.extensions["sign_in_starts"].hit(request.remote_addr or "unknown")
