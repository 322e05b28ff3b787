"""Settings classes, read from the environment once at start-up.

`load(name)` returns a plain dict for `app.config`. Production refuses to start (ConfigError with a one-line
reason) when something it cannot run safely without is missing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PROVIDER_KINDS = ("staff", "public")
DEV_IDP_ISSUER = "https://dev-idp.resolve.invalid"  # .invalid never resolves: nothing can answer for it by accident
STAFF_ROLE_NAMES = ("officer", "supervisor", "coordinator", "provider_manager", "caseworker", "scrutiny")


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line a person can act on."""


@dataclass(frozen=True)
class OIDCProvider:
    name: str
    label: str
    issuer: str
    client_id: str
    kind: str
    client_secret: str | None = None
    private_key_file: str | None = None
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    auth_params: dict = field(default_factory=dict)
    # The vector of trust an ID token's `vot` must reach (e.g. One Login's "Cl.Cm"); None: the provider has none.
    required_vot: str | None = None
    # Users are recorded under (identity, subject). It is the issuer, except for the development provider, whose
    # issuer a run may set (DEV_IDP_ISSUER): its personas are the same people whichever it is.
    identity: str | None = None
    # Staff providers only: the ID token claim holding the person's role(s) and how its values map to Resolve's
    # roles (e.g. {"oocd-admin": "coordinator"}). When set, the mapped claim decides the membership's role at
    # every sign-in (within the roles of the membership's organisation).
    roles_claim: str | None = None
    role_map: dict = field(default_factory=dict)

    @property
    def identity_issuer(self) -> str:
        return self.identity or self.issuer

    @property
    def token_auth_method(self) -> str:
        return "private_key_jwt" if self.private_key_file else "client_secret_basic"


def _provider(raw: dict, where: str) -> OIDCProvider:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: each OIDC provider must be an object")
    for key in ("name", "label", "issuer", "client_id", "kind"):
        if not raw.get(key):
            raise ConfigError(f"{where}: OIDC provider is missing '{key}'")
    name = raw["name"]
    if raw["kind"] not in PROVIDER_KINDS:
        raise ConfigError(f"{where}: OIDC provider '{name}' kind must be one of {', '.join(PROVIDER_KINDS)}")
    if bool(raw.get("client_secret")) == bool(raw.get("private_key_file")):
        raise ConfigError(f"{where}: OIDC provider '{name}' needs exactly one of client_secret or private_key_file")
    if raw.get("private_key_file") and not Path(raw["private_key_file"]).is_file():
        raise ConfigError(f"{where}: OIDC provider '{name}' private_key_file does not exist")
    scopes = raw.get("scopes") or ["openid", "profile", "email"]
    if "openid" not in scopes:
        raise ConfigError(f"{where}: OIDC provider '{name}' scopes must include 'openid'")
    known = {"name", "label", "issuer", "client_id", "kind", "client_secret", "private_key_file", "scopes",
             "auth_params", "required_vot", "roles_claim", "role_map"}
    if unknown := set(raw) - known:
        raise ConfigError(f"{where}: OIDC provider '{name}' has unknown setting(s) {', '.join(sorted(unknown))}")
    required_vot = raw.get("required_vot") or None
    if "vtr" in (raw.get("auth_params") or {}) and required_vot is None:
        # Asking for a level is not enough: the vtr can be lowered in the browser, only the token's vot counts.
        raise ConfigError(f"{where}: OIDC provider '{name}' asks for a vtr, so it must set required_vot")
    if required_vot is not None:
        from app.auth import vot

        try:
            vot.parse(str(required_vot))
        except vot.InvalidVector as exc:
            raise ConfigError(f"{where}: OIDC provider '{name}' required_vot: {exc}") from None
    role_map = raw.get("role_map") or {}
    if not isinstance(role_map, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in
                                                 role_map.items()):
        raise ConfigError(f"{where}: OIDC provider '{name}' role_map must map claim values to role names")
    if unknown := sorted({v for v in role_map.values() if v not in STAFF_ROLE_NAMES}):
        raise ConfigError(f"{where}: OIDC provider '{name}' role_map names unknown role(s) {', '.join(unknown)}")
    if role_map and not raw.get("roles_claim"):
        raise ConfigError(f"{where}: OIDC provider '{name}' has a role_map but no roles_claim")
    return OIDCProvider(
        roles_claim=raw.get("roles_claim") or None, role_map=dict(role_map),
        name=name, label=raw["label"], issuer=raw["issuer"].rstrip("/"), client_id=raw["client_id"],
        kind=raw["kind"], client_secret=raw.get("client_secret"), private_key_file=raw.get("private_key_file"),
        scopes=tuple(scopes), auth_params=dict(raw.get("auth_params") or {}),
        required_vot=str(required_vot) if required_vot else None,
    )


def providers_from_env(env: dict) -> list[OIDCProvider]:
    """Providers from the file named by OIDC_PROVIDERS_FILE (JSON or YAML) and/or JSON in OIDC_PROVIDERS."""
    found: list[OIDCProvider] = []
    if path := env.get("OIDC_PROVIDERS_FILE"):
        try:
            raw = yaml.safe_load(Path(path).read_text())
        except OSError as exc:
            raise ConfigError(f"OIDC_PROVIDERS_FILE cannot be read: {exc.strerror}") from None
        except yaml.YAMLError:
            raise ConfigError("OIDC_PROVIDERS_FILE is not valid JSON or YAML") from None
        if not isinstance(raw, list):
            raise ConfigError("OIDC_PROVIDERS_FILE must hold a list of providers")
        found += [_provider(item, "OIDC_PROVIDERS_FILE") for item in raw]
    if text := env.get("OIDC_PROVIDERS"):
        try:
            raw = json.loads(text)
        except json.JSONDecodeError:
            raise ConfigError("OIDC_PROVIDERS is not valid JSON") from None
        if not isinstance(raw, list):
            raise ConfigError("OIDC_PROVIDERS must be a JSON list of providers")
        found += [_provider(item, "OIDC_PROVIDERS") for item in raw]
    names = [p.name for p in found]
    if len(names) != len(set(names)):
        raise ConfigError("OIDC provider names must be unique")
    return found


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _json_object(text: str | None, name: str) -> dict:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise ConfigError(f"{name} is not valid JSON") from None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"{name} must be a JSON object of template ids")
    return value


def _database_url(url: str) -> str:
    # Accept the usual postgres:// spellings and use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load(name: str, env: dict | None = None) -> dict:
    env = dict(os.environ if env is None else env)
    if name not in ("development", "test", "production"):
        raise ConfigError(f"unknown configuration '{name}' (use development, test or production)")
    instance = Path(env.get("RESOLVE_INSTANCE", ROOT / "instance"))
    port = env.get("PORT", "5000")
    cfg: dict = {
        "ENV_NAME": name,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": env.get("SECRET_KEY"),
        # Keys the audit log's chain (HMAC-SHA256). Kept out of the database, so whoever can write the database
        # cannot recompute the chain after changing a row.
        "AUDIT_KEY": env.get("AUDIT_KEY"),
        "SQLALCHEMY_DATABASE_URI": _database_url(env.get("DATABASE_URL", "")),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "OIDC_PROVIDERS": providers_from_env(env),
        "DEV_IDP_ENABLED": False,
        # The __Host- prefix makes browsers refuse the cookie unless it is Secure, Path=/ and has no Domain, so no
        # other host (a sibling subdomain) can plant or overwrite it. Development serves plain http, so no prefix.
        "SESSION_COOKIE_NAME": "__Host-session",
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_DOMAIN": None,
        # A sign-in in progress (state, nonce, PKCE verifier) lives in this signed cookie, not in a session row.
        "SIGN_IN_COOKIE_NAME": "__Host-sign-in",
        "SIGN_IN_PENDING_SECONDS": int(env.get("SIGN_IN_PENDING_SECONDS", "600")),
        # Sign-in starts per client address in a fixed window (per web process).
        "SIGN_IN_RATE_LIMIT": int(env.get("SIGN_IN_RATE_LIMIT", "20")),
        "SIGN_IN_RATE_WINDOW_SECONDS": int(env.get("SIGN_IN_RATE_WINDOW_SECONDS", "60")),
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        # English or Welsh, for people not signed in (a signed-in user's choice is stored on their record).
        "LANGUAGE_COOKIE_NAME": "__Host-language",
        "LANGUAGE_COOKIE_DAYS": 365,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "Europe/London",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_IDLE_MINUTES": int(env.get("SESSION_IDLE_MINUTES", "30")),
        "SESSION_MAX_HOURS": int(env.get("SESSION_MAX_HOURS", "12")),
        # The largest form (victim's views, 11,100 characters) is about 135 KB even if every character is a
        # 4-byte one, percent-encoded; a group's attendance grows with its size. 1 MiB fits both, and Werkzeug
        # answers 413 without reading further. No form takes a file.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_REQUEST_BYTES", str(1024 * 1024))),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the server-side session
        "WTF_CSRF_HEADERS": ["X-CSRFToken"],
        "OIDC_HTTP_TIMEOUT": float(env.get("OIDC_HTTP_TIMEOUT", "4")),
        "HSTS": True,
        "RUN_SCHEDULER_IN_WEB": False,
        "SERVICE_NAME": "Resolve",
        # Victim Support's free national support line, as it writes it; shown to victims as a tel: link.
        "VICTIM_SUPPORT_PHONE": env.get("VICTIM_SUPPORT_PHONE", "08 08 16 89 111"),
        # Caseload: issued cases whose deadline is this close (or passed) need attention. Operational, not law.
        "CASELOAD_SOON_DAYS": int(env.get("CASELOAD_SOON_DAYS", "14")),
        # A provider may enter a session already held up to this many days later (marked as entered late).
        "LATE_ENTRY_DAYS": int(env.get("LATE_ENTRY_DAYS", "14")),
        "TIMEZONE": "Europe/London",
        "PREFERRED_URL_SCHEME": "https",
        # How messages leave: outbox (development: kept for the development outbox page), smtp or notify.
        "NOTIFICATION_CHANNEL": env.get("NOTIFICATION_CHANNEL", "outbox"),
        "SMTP_HOST": env.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": int(env.get("SMTP_PORT", "587")),
        "SMTP_SECURITY": env.get("SMTP_SECURITY", "starttls"),  # starttls, tls (implicit) or none
        "SMTP_USERNAME": env.get("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or None,
        "SMTP_FROM": env.get("SMTP_FROM", "Resolve <no-reply@resolve.invalid>"),
        "SMTP_TIMEOUT": float(env.get("SMTP_TIMEOUT", "10")),
        "NOTIFY_API_KEY": env.get("NOTIFY_API_KEY"),
        "NOTIFY_BASE_URL": env.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"),
        "NOTIFY_TEMPLATES": _json_object(env.get("NOTIFY_TEMPLATES"), "NOTIFY_TEMPLATES"),
        "NOTIFY_CALLBACK_TOKEN": env.get("NOTIFY_CALLBACK_TOKEN"),
        "NOTIFY_PER_SECOND": float(env.get("NOTIFY_PER_SECOND", "50")),  # Notify allows 3,000 a minute
        # Where links in messages point.
        "PORTAL_URL": env.get("PORTAL_URL", f"http://127.0.0.1:{port}").rstrip("/"),
        "DEV_OUTBOX": False,  # the development page listing every message (development only)
        # Invitations: how long a link lasts, and the provider each kind is redeemed with (default: the first
        # configured provider of that kind).
        "STAFF_INVITATION_DAYS": int(env.get("STAFF_INVITATION_DAYS", "7")),
        "PUBLIC_INVITATION_DAYS": int(env.get("PUBLIC_INVITATION_DAYS", "14")),
        # Wrong answers (date of birth, or the code sent) that lock a public invitation.
        "INVITATION_WRONG_ANSWERS": int(env.get("INVITATION_WRONG_ANSWERS", "5")),
        "INVITATION_STAFF_PROVIDER": env.get("INVITATION_STAFF_PROVIDER") or None,
        "INVITATION_PUBLIC_PROVIDER": env.get("INVITATION_PUBLIC_PROVIDER") or None,
    }
    if cfg["NOTIFICATION_CHANNEL"] not in ("outbox", "smtp", "notify"):
        raise ConfigError("NOTIFICATION_CHANNEL must be outbox, smtp or notify")
    if name in ("development", "test"):
        cfg |= {
            "SECRET_KEY": cfg["SECRET_KEY"] or f"{name}-only-not-secret",
            "AUDIT_KEY": cfg["AUDIT_KEY"] or f"{name}-only-audit-key-not-secret",
            "SQLALCHEMY_DATABASE_URI": cfg["SQLALCHEMY_DATABASE_URI"] or f"sqlite:///{instance / 'resolve.db'}",
            "DEV_IDP_ENABLED": True,
            # A name, not where it is served: the portal reaches the provider in process, on any port.
            "DEV_IDP_ISSUER": env.get("DEV_IDP_ISSUER", DEV_IDP_ISSUER).rstrip("/"),
            "SESSION_COOKIE_SECURE": False,
            "SESSION_COOKIE_NAME": "resolve_session",
            "SIGN_IN_COOKIE_NAME": "resolve_sign_in",
            "LANGUAGE_COOKIE_NAME": "resolve_language",
            "HSTS": False,
            "PREFERRED_URL_SCHEME": "http",
            "RUN_SCHEDULER_IN_WEB": _truthy(env.get("RUN_SCHEDULER_IN_WEB")),
            "DEV_OUTBOX": name == "development",
            # Each response says its SQL statements in X-Statements, for bench/pages.py (app/web/statements.py).
            "STATEMENTS_HEADER": name == "development" and _truthy(env.get("STATEMENTS_HEADER")),
        }
    if name == "test":
        cfg |= {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": _database_url(env.get("TEST_DATABASE_URL", ""))
            or f"sqlite:///{instance / 'test.db'}",
            "OIDC_HTTP_TIMEOUT": 2.0,
            # The suite signs in hundreds of times from one address; the rate-limit tests set their own limit.
            "SIGN_IN_RATE_LIMIT": int(env.get("SIGN_IN_RATE_LIMIT", "0")),
        }
    if name == "production":
        _refuse_unsafe_production(cfg, env)
    return cfg


def _refuse_unsafe_production(cfg: dict, env: dict) -> None:
    if not cfg["SECRET_KEY"] or len(cfg["SECRET_KEY"]) < 32:
        raise ConfigError("SECRET_KEY must be set to at least 32 random characters in production")
    if not cfg["AUDIT_KEY"] or len(cfg["AUDIT_KEY"]) < 32:
        raise ConfigError("AUDIT_KEY must be set to at least 32 random characters in production")
    if cfg["AUDIT_KEY"] == cfg["SECRET_KEY"]:
        raise ConfigError("AUDIT_KEY must differ from SECRET_KEY")
    if not cfg["SQLALCHEMY_DATABASE_URI"]:
        raise ConfigError("DATABASE_URL must be set in production")
    if not cfg["OIDC_PROVIDERS"]:
        raise ConfigError("at least one OIDC provider must be configured (OIDC_PROVIDERS or OIDC_PROVIDERS_FILE)")
    if cfg["NOTIFICATION_CHANNEL"] == "outbox":
        raise ConfigError("NOTIFICATION_CHANNEL must be smtp or notify in production (the outbox sends nothing)")
    if cfg["NOTIFICATION_CHANNEL"] == "notify" and not (cfg["NOTIFY_API_KEY"] and cfg["NOTIFY_CALLBACK_TOKEN"]):
        raise ConfigError("NOTIFY_API_KEY and NOTIFY_CALLBACK_TOKEN must be set to send through GOV.UK Notify")
    if cfg["NOTIFICATION_CHANNEL"] == "smtp" and cfg["SMTP_SECURITY"] == "none":
        raise ConfigError("SMTP_SECURITY must be starttls or tls in production")
    if _truthy(env.get("DEV_IDP_ENABLED")):
        raise ConfigError("the development identity provider cannot be enabled in production")
    for provider in cfg["OIDC_PROVIDERS"]:
        if not provider.issuer.startswith("https://"):
            raise ConfigError(f"OIDC provider '{provider.name}' issuer must use https in production")
