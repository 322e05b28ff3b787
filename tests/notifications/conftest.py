"""The loopback Notify and SMTP servers: one of each per session, emptied before each test that uses it."""

from __future__ import annotations

import pytest

from tests.notify_server import NotifyServer
from tests.smtp_server import SmtpServer


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


@pytest.fixture(scope="session")
def _smtp_server_session():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(_smtp_server_session):
    """A plain SMTP server on loopback, with no messages and no scripted answers: `.host`, `.port`,
    `.received()`, `.refuse[address] = "550 ..."`."""
    _smtp_server_session.reset()
    yield _smtp_server_session
    _smtp_server_session.reset()


@pytest.fixture
def start_smtp_server():
    """start_smtp_server(auth=("user", "password"), tls=True) -> another server, stopped after the test."""
    started = []

    def start(**options) -> SmtpServer:
        started.append(SmtpServer(**options).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()
