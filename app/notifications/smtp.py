"""Email through an SMTP server (STARTTLS, implicit TLS, or plain on loopback only), one connection kept open
while the dispatcher works through a batch. Each message's Message-ID is derived from its key, so a message sent
again after a crash (SMTP cannot be asked what it already took) is the same message to the receiving side."""

from __future__ import annotations

import contextlib
import hashlib
import smtplib
import ssl
from email.charset import QP, Charset
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formatdate, parseaddr

from app.notifications.channels import Channel, Outgoing, PermanentFailure, TransientFailure

SECURITY = ("starttls", "tls", "none")
# Quoted-printable UTF-8: readable in the raw message, safe for any character. The compat32 message classes,
# because the modern header registry parses every header again and costs more than the sending.
UTF8 = Charset("utf-8")
UTF8.header_encoding = UTF8.body_encoding = QP


class SmtpChannel(Channel):
    name = "smtp"
    media = frozenset({"email"})

    def __init__(self, *, host: str, port: int, security: str, username: str | None, password: str | None,
                 sender: str, timeout: float = 10, context: ssl.SSLContext | None = None):
        if security not in SECURITY:
            raise ValueError(f"SMTP_SECURITY must be one of {', '.join(SECURITY)}")
        self.host, self.port, self.security, self.timeout = host, port, security, timeout
        self.username, self.password, self.sender = username, password, sender
        self.context = context  # None: the system's trusted CAs (a test may give its own)
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        context = self.context or ssl.create_default_context()
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()  # a refused login or certificate must not leave the socket open
            raise
        return smtp

    @staticmethod
    def message_id(key: str) -> str:
        return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@resolve.invalid>"

    def send(self, message: Outgoing) -> str:
        email = MIMEText(message.body, "plain", UTF8)
        email["From"], email["To"] = self.sender, message.to
        email["Subject"] = message.subject if message.subject.isascii() else Header(message.subject, UTF8)
        email["Date"], email["Message-ID"] = formatdate(localtime=False), self.message_id(message.key)
        try:
            self._smtp = self._smtp or self._connect()
            self._smtp.sendmail(parseaddr(self.sender)[1], [message.to], email.as_string())
        except smtplib.SMTPRecipientsRefused as exc:
            (code, _), = exc.recipients.values()
            if code >= 500:
                raise PermanentFailure("the mail server refused this address") from None
            raise TransientFailure(f"the mail server deferred this address ({code})") from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            if exc.smtp_code >= 500 and exc.smtp_code not in (530, 535):  # authentication is ours to fix
                raise PermanentFailure(f"the mail server refused the message ({exc.smtp_code})") from None
            raise TransientFailure(f"the mail server answered {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TransientFailure(f"cannot reach the mail server ({type(exc).__name__})") from None
        return self.message_id(message.key)

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None
