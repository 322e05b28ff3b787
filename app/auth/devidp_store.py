"""What the development identity provider keeps: its authorisation codes and the new identities it has made.

Both live in the portal's database, so that any web process can redeem a code another one wrote (gunicorn -w 2).
The provider is a separate Flask app mounted beside the portal, so each call here runs in an application context
of the portal of its own (its own database session, whether the provider was reached by a browser or in process
during one of the portal's requests) and commits its own transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app import clock
from app.auth.models import DevIdpCode, DevIdpIdentity
from app.demo import PERSONAS_BY_KEY
from app.extensions import db

CODE_LIFETIME = 120  # seconds


@dataclass(frozen=True)
class Account:
    """Who signs in: a demo persona or someone new."""

    subject: str
    name: str
    email: str


@dataclass(frozen=True)
class Code:
    """A stored code as Authlib's grant classes read it."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    subject: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    vot: str | None  # the vector of trust the ID token reports, as One Login does for the vtr asked for
    auth_time: int

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return ["pwd"]


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


class Store:
    def __init__(self, portal):
        self.portal = portal

    @contextmanager
    def _session(self):
        # A context of the portal's own: the portal's teardown removes its session, whatever happened.
        with self.portal.app_context():
            yield db.session

    def save_code(self, code: str, client_id: str, redirect_uri: str, scope: str, subject: str, nonce: str | None,
                  code_challenge: str | None, code_challenge_method: str | None, vot: str | None) -> None:
        now = clock.now()
        with self._session() as s:
            s.execute(delete(DevIdpCode).where(DevIdpCode.expires_at <= now))
            s.add(DevIdpCode(code_hash=_hash(code), client_id=client_id, redirect_uri=redirect_uri, scope=scope,
                             subject=subject, nonce=nonce, code_challenge=code_challenge,
                             code_challenge_method=code_challenge_method, vot=vot, created_at=now,
                             expires_at=now + timedelta(seconds=CODE_LIFETIME)))
            s.commit()

    def find_code(self, code: str, client_id: str) -> Code | None:
        """The code if it is this client's, unused and unexpired."""
        with self._session() as s:
            row = s.scalar(select(DevIdpCode).where(
                DevIdpCode.code_hash == _hash(code), DevIdpCode.client_id == client_id,
                DevIdpCode.used_at.is_(None), DevIdpCode.expires_at > clock.now()))
            if row is None:
                return None
            return Code(code=code, client_id=row.client_id, redirect_uri=row.redirect_uri, scope=row.scope,
                        subject=row.subject, nonce=row.nonce, code_challenge=row.code_challenge,
                        code_challenge_method=row.code_challenge_method, vot=row.vot,
                        auth_time=int(row.created_at.timestamp()))

    def redeem(self, code: str) -> bool:
        """Mark the code used; False if another request got there first (one conditional UPDATE decides)."""
        with self._session() as s:
            done = s.execute(update(DevIdpCode).where(DevIdpCode.code_hash == _hash(code),
                                                      DevIdpCode.used_at.is_(None))
                             .values(used_at=clock.now())).rowcount
            s.commit()
            return done == 1

    def nonce_known(self, nonce: str, client_id: str) -> bool:
        with self._session() as s:
            return s.scalar(select(DevIdpCode.code_hash).where(
                DevIdpCode.nonce == nonce, DevIdpCode.client_id == client_id).limit(1)) is not None

    def someone_new(self, name: str, email: str) -> Account:
        """The identity for this email address, made on first use; a later sign-in keeps the subject, takes the name."""
        key = normalise_email(email)
        with self._session() as s:
            row = s.scalar(select(DevIdpIdentity).where(DevIdpIdentity.email == key))
            if row is None:
                s.add(DevIdpIdentity(subject=f"new-{secrets.token_hex(12)}", email=key, name=name,
                                     created_at=clock.now()))
                try:
                    s.commit()
                except IntegrityError:  # the same address, at the same moment, in another process
                    s.rollback()
                row = s.scalar(select(DevIdpIdentity).where(DevIdpIdentity.email == key))
            if row.name != name:
                row.name = name
                s.commit()
            return Account(row.subject, row.name, row.email)

    def account(self, subject: str) -> Account | None:
        if persona := PERSONAS_BY_KEY.get(subject):
            return Account(persona.key, persona.name, persona.email)
        with self._session() as s:
            row = s.scalar(select(DevIdpIdentity).where(DevIdpIdentity.subject == subject))
            return Account(row.subject, row.name, row.email) if row else None
