"""A real SMTP server on loopback (aiosmtpd), for tests and benchmarks: it records every message it accepts.

    server = SmtpServer(auth=("resolve", "secret"), tls=True).start()
    ... server.host, server.port, server.cafile (the test CA, for STARTTLS), server.messages ...
    server.refuse["gone@example.org"] = "550 5.1.1 No such mailbox"   # scripted answers at RCPT
    server.stop()

With `auth`, AUTH PLAIN and LOGIN are offered without TLS (loopback only) and a sender who has not signed in is
refused at MAIL (530). With `tls`, STARTTLS is offered with a self-signed certificate for 127.0.0.1 made at start.
"""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from functools import cached_property
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    """One message as the server took it; its headers and body are read from the raw bytes when first asked for
    (the server stays quick under thousands of messages)."""

    mail_from: str
    rcpt: tuple[str, ...]  # the envelope's recipients
    raw: bytes = field(repr=False)

    @cached_property
    def parsed(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=policy.default)

    @cached_property
    def message_id(self) -> str:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(self.raw)
        return str(headers["Message-ID"]).strip()

    @property
    def sender(self) -> str:  # the From header
        return str(self.parsed["From"])

    @property
    def to(self) -> str:
        return str(self.parsed["To"])

    @property
    def subject(self) -> str:
        return str(self.parsed["Subject"])

    @property
    def body(self) -> str:
        return self.parsed.get_content().strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def self_signed(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) for 127.0.0.1, the certificate being its own CA. Needs the `cryptography` package."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Resolve test mail server")])
    now = dt.datetime.now(dt.UTC)  # certificate validity is checked against the real time, not the app's clock
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(ski, critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.server.auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if answer := self.server.refuse.get(address):
            return answer
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        received = Received(mail_from=envelope.mail_from, rcpt=tuple(envelope.rcpt_tos),
                            raw=envelope.original_content or envelope.content)
        with self.server.lock:
            self.server.messages.append(received)
        return "250 2.0.0 Accepted"


class SmtpServer:
    def __init__(self, *, auth: tuple[str, str] | None = None, tls: bool = False):
        self.auth, self.tls = auth, tls
        self.host, self.port = HOST, free_port()
        self.messages: list[Received] = []
        self.refuse: dict[str, str] = {}  # recipient address -> the whole answer to its RCPT, e.g. "451 4.3.0 Busy"
        self.lock = threading.Lock()
        self.cafile: Path | None = None
        self._folder: tempfile.TemporaryDirectory | None = None
        self._controller: Controller | None = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and self.auth is not None
              and (auth_data.login.decode(), auth_data.password.decode()) == self.auth)
        return AuthResult(success=ok, handled=False)

    def start(self) -> SmtpServer:
        kwargs: dict = {}
        if self.auth:
            kwargs |= {"authenticator": self._authenticate, "auth_require_tls": False}
        if self.tls:
            self._folder = tempfile.TemporaryDirectory()
            cert, key = self_signed(Path(self._folder.name))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.cafile = cert
            kwargs |= {"tls_context": context}
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port,
                                      server_hostname="mail.resolve.test", ready_timeout=10, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
        self.refuse.clear()

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.messages)
