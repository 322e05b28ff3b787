"""The loopback Notify server: one per session, emptied before each test that uses it."""

from __future__ import annotations

import pytest

from tests.notify_server import NotifyServer


@pytest.fixture(scope="session")
def _notify_server_session():
    server = NotifyServer().start()
    yield server
    server.stop()


@pytest.fixture
def notify_server(_notify_server_session):
    """The server, with no messages, scripted failures or invalid recipients: `.base_url`, `.api_key`,
    `.messages`, `.fail_next(status, body=None, method="POST")`, `.stall_next(seconds)`, `.invalid`, `.reset()`."""
    _notify_server_session.reset()
    yield _notify_server_session
    _notify_server_session.reset()
