"""Configuration: production refuses to start without what it needs, with one line that says why."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import flask
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app import create_app
from app.extensions import db
from config import settings
from config.settings import ConfigError

ROOT = Path(__file__).resolve().parent.parent
STAFF = {"name": "police", "label": "Police sign-in", "issuer": "https://idp.police.example/", "client_id": "resolve",
         "client_secret": "not-a-real-secret", "kind": "staff"}


def _env(**changes) -> dict:
    """A valid production environment, changed as asked (None removes a variable)."""
    env = {"SECRET_KEY": "k" * 32, "AUDIT_KEY": "a" * 32, "DATABASE_URL": "postgres://resolve@db.internal/resolve",
           "OIDC_PROVIDERS": json.dumps([STAFF]), "NOTIFICATION_CHANNEL": "smtp"}
    env.update(changes)
    return {k: v for k, v in env.items() if v is not None}


def _refusal(env: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        settings.load("production", env)
    message = str(caught.value)
    assert message and "\n" not in message, repr(message)
    return message


def _providers(*items) -> str:
    return json.dumps(list(items))


@pytest.fixture
def pem(tmp_path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "one-login.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path


# --- production refusals ---------------------------------------------------------------------------------------


def test_a_valid_production_environment_loads():
    cfg = settings.load("production", _env())
    assert cfg["ENV_NAME"] == "production"
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://resolve@db.internal/resolve"
    assert cfg["DEV_IDP_ENABLED"] is False and cfg["HSTS"] is True and cfg["SESSION_COOKIE_SECURE"] is True
    assert [p.name for p in cfg["OIDC_PROVIDERS"]] == ["police"]


@pytest.mark.parametrize(("changes", "reason"), [
    ({"SECRET_KEY": None}, "SECRET_KEY must be set to at least 32 random characters"),
    ({"SECRET_KEY": ""}, "SECRET_KEY must be set to at least 32 random characters"),
    ({"SECRET_KEY": "k" * 31}, "SECRET_KEY must be set to at least 32 random characters"),
    ({"AUDIT_KEY": None}, "AUDIT_KEY must be set to at least 32 random characters"),
    ({"AUDIT_KEY": "a" * 31}, "AUDIT_KEY must be set to at least 32 random characters"),
    ({"AUDIT_KEY": "k" * 32}, "AUDIT_KEY must differ from SECRET_KEY"),
    ({"DATABASE_URL": None}, "DATABASE_URL must be set in production"),
    ({"OIDC_PROVIDERS": None}, "at least one OIDC provider must be configured"),
    ({"OIDC_PROVIDERS": "[]"}, "at least one OIDC provider must be configured"),
    ({"DEV_IDP_ENABLED": "1"}, "the development identity provider cannot be enabled in production"),
    ({"DEV_IDP_ENABLED": "true"}, "the development identity provider cannot be enabled in production"),
    ({"OIDC_PROVIDERS": _providers(STAFF | {"issuer": "http://idp.police.example"})},
     "OIDC provider 'police' issuer must use https in production"),
    ({"NOTIFICATION_CHANNEL": None}, "NOTIFICATION_CHANNEL must be smtp or notify in production"),
    ({"NOTIFICATION_CHANNEL": "outbox"}, "NOTIFICATION_CHANNEL must be smtp or notify in production"),
    ({"NOTIFICATION_CHANNEL": "pigeon"}, "NOTIFICATION_CHANNEL must be outbox, smtp or notify"),
    ({"NOTIFICATION_CHANNEL": "notify"}, "NOTIFY_API_KEY and NOTIFY_CALLBACK_TOKEN must be set"),
    ({"SMTP_SECURITY": "none"}, "SMTP_SECURITY must be starttls or tls in production"),
    ({"NOTIFY_TEMPLATES": "[1]"}, "NOTIFY_TEMPLATES must be a JSON object of template ids"),
    ({"NOTIFY_TEMPLATES": "{"}, "NOTIFY_TEMPLATES is not valid JSON"),
])
def test_production_refuses(changes, reason):
    assert reason in _refusal(_env(**changes))


def test_development_and_test_need_none_of_it():
    for name in ("development", "test"):
        cfg = settings.load(name, {})
        assert cfg["SECRET_KEY"] and cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
        assert cfg["AUDIT_KEY"] and cfg["AUDIT_KEY"] != cfg["SECRET_KEY"]
        assert cfg["DEV_IDP_ENABLED"] is True


def test_unknown_configuration_name_is_refused():
    with pytest.raises(ConfigError, match="unknown configuration 'staging'"):
        settings.load("staging", _env())


# --- provider configuration errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(("providers", "reason"), [
    (_providers({k: v for k, v in STAFF.items() if k != "client_id"}),
     "OIDC_PROVIDERS: OIDC provider is missing 'client_id'"),
    (_providers({k: v for k, v in STAFF.items() if k != "issuer"}), "OIDC provider is missing 'issuer'"),
    (_providers(STAFF | {"private_key_file": "/etc/hostname"}),
     "OIDC provider 'police' needs exactly one of client_secret or private_key_file"),
    (_providers({k: v for k, v in STAFF.items() if k != "client_secret"}),
     "OIDC provider 'police' needs exactly one of client_secret or private_key_file"),
    (_providers(STAFF | {"kind": "admin"}), "OIDC provider 'police' kind must be one of staff, public"),
    (_providers(STAFF | {"scopes": ["profile"]}), "OIDC provider 'police' scopes must include 'openid'"),
    (_providers(STAFF | {"clientid": "typo"}), "OIDC provider 'police' has unknown setting(s) clientid"),
    (_providers(STAFF, STAFF), "OIDC provider names must be unique"),
    (_providers(STAFF | {"required_vot": "Cl.Cx"}),
     "OIDC provider 'police' required_vot: 'Cl.Cx' has a C component we do not know"),
    (_providers(STAFF | {"auth_params": {"vtr": '["Cl.Cm"]'}}),
     "OIDC provider 'police' asks for a vtr, so it must set required_vot"),
    (_providers(STAFF | {"required_vot": "medium"}),
     "OIDC provider 'police' required_vot: 'medium' is not a vector of trust"),
    (_providers("police"), "each OIDC provider must be an object"),
    (json.dumps(STAFF), "OIDC_PROVIDERS must be a JSON list of providers"),
    ("[{'name': 'police'}]", "OIDC_PROVIDERS is not valid JSON"),
    ("name: police", "OIDC_PROVIDERS is not valid JSON"),  # YAML is for the file only
])
def test_provider_config_errors_name_the_problem(providers, reason):
    assert reason in _refusal(_env(OIDC_PROVIDERS=providers))


def test_a_missing_private_key_file_is_named(tmp_path):
    provider = {k: v for k, v in STAFF.items() if k != "client_secret"} | {
        "private_key_file": str(tmp_path / "absent.pem")}
    assert "OIDC provider 'police' private_key_file does not exist" in _refusal(
        _env(OIDC_PROVIDERS=_providers(provider)))


@pytest.mark.parametrize(("content", "reason"), [
    ("name: police\n", "OIDC_PROVIDERS_FILE must hold a list of providers"),
    ("- name: [unclosed\n", "OIDC_PROVIDERS_FILE is not valid JSON or YAML"),
    ("- name: police\n  kind: staff\n", "OIDC_PROVIDERS_FILE: OIDC provider is missing 'label'"),
])
def test_provider_file_errors_name_the_problem(tmp_path, content, reason):
    path = tmp_path / "providers.yaml"
    path.write_text(content)
    assert reason in _refusal(_env(OIDC_PROVIDERS=None, OIDC_PROVIDERS_FILE=str(path)))


def test_an_unreadable_provider_file_is_named(tmp_path):
    reason = _refusal(_env(OIDC_PROVIDERS=None, OIDC_PROVIDERS_FILE=str(tmp_path / "absent.yaml")))
    assert reason == "OIDC_PROVIDERS_FILE cannot be read: No such file or directory"


# --- valid provider configuration ------------------------------------------------------------------------------


def _one_login(pem: Path) -> dict:
    return {"name": "one-login", "label": "GOV.UK One Login", "issuer": "https://oidc.account.gov.uk/",
            "client_id": "resolve-public", "private_key_file": str(pem), "kind": "public",
            "scopes": ["openid", "email", "phone"], "auth_params": {"vtr": '["Cl.Cm"]', "ui_locales": "en"},
            "required_vot": "Cl.Cm"}


def _check_loaded(providers: list[settings.OIDCProvider], pem: Path) -> None:
    by_name = {p.name: p for p in providers}
    assert set(by_name) == {"police", "one-login"}
    police, one_login = by_name["police"], by_name["one-login"]
    assert police.issuer == "https://idp.police.example"  # trailing slash removed
    assert police.client_secret == "not-a-real-secret" and police.private_key_file is None
    assert police.token_auth_method == "client_secret_basic"
    assert police.scopes == ("openid", "profile", "email") and police.auth_params == {}
    assert one_login.issuer == "https://oidc.account.gov.uk"
    assert one_login.kind == "public" and one_login.client_secret is None
    assert one_login.private_key_file == str(pem) and one_login.token_auth_method == "private_key_jwt"
    assert one_login.scopes == ("openid", "email", "phone")
    assert one_login.auth_params == {"vtr": '["Cl.Cm"]', "ui_locales": "en"}
    assert one_login.required_vot == "Cl.Cm" and police.required_vot is None


def test_providers_load_from_json_in_the_environment(pem):
    cfg = settings.load("production", _env(OIDC_PROVIDERS=_providers(STAFF, _one_login(pem))))
    _check_loaded(cfg["OIDC_PROVIDERS"], pem)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_providers_load_from_a_file(tmp_path, pem, fmt):
    path = tmp_path / f"providers.{fmt}"
    items = [STAFF, _one_login(pem)]
    path.write_text(yaml.safe_dump(items) if fmt == "yaml" else json.dumps(items, indent=2))
    cfg = settings.load("production", _env(OIDC_PROVIDERS=None, OIDC_PROVIDERS_FILE=str(path)))
    _check_loaded(cfg["OIDC_PROVIDERS"], pem)


def test_providers_from_file_and_environment_are_combined(tmp_path, pem):
    path = tmp_path / "providers.yaml"
    path.write_text(yaml.safe_dump([_one_login(pem)]))
    cfg = settings.load("production", _env(OIDC_PROVIDERS_FILE=str(path)))
    _check_loaded(cfg["OIDC_PROVIDERS"], pem)


def test_a_name_in_both_file_and_environment_is_refused(tmp_path):
    path = tmp_path / "providers.yaml"
    path.write_text(yaml.safe_dump([STAFF]))
    assert _refusal(_env(OIDC_PROVIDERS_FILE=str(path))) == "OIDC provider names must be unique"


# --- starting the real entry point -----------------------------------------------------------------------------


def test_wsgi_refuses_to_start_with_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "AUDIT_KEY", "DATABASE_URL", "OIDC_PROVIDERS", "OIDC_PROVIDERS_FILE",
                        "DEV_IDP_ENABLED")}
    env |= {"RESOLVE_ENV": "production", "RESOLVE_INSTANCE": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert lines == ["Resolve cannot start: SECRET_KEY must be set to at least 32 random characters in production"]


# --- a production app ------------------------------------------------------------------------------------------


@pytest.fixture
def production_app(tmp_path, monkeypatch, pem):
    for name, value in _env(DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}",
                            OIDC_PROVIDERS=_providers(STAFF, _one_login(pem))).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RESOLVE_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DEV_IDP_ENABLED", raising=False)
    monkeypatch.delenv("TRUSTED_PROXY_HOPS", raising=False)
    app = create_app("production")
    yield app
    with app.app_context():
        db.engine.dispose()


def test_production_app_does_not_mount_the_development_provider(production_app):
    client = production_app.test_client()
    assert client.get("/dev-idp/.well-known/openid-configuration").status_code == 404
    assert client.get("/dev-idp/authorize").status_code == 404
    assert not any("dev-idp" in r.rule for r in production_app.url_map.iter_rules())
    assert [p.name for p in production_app.config["OIDC_PROVIDERS"]] == ["police", "one-login"]


def test_production_app_sends_hsts_and_secure_cookies(production_app):
    client = production_app.test_client()
    for path in ("/healthz", "/accessibility", "/no-such-page"):
        response = client.get(path, base_url="https://resolve.example")
        assert response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains", path
    sign_in = client.get("/sign-in", base_url="https://resolve.example")
    html = sign_in.get_data(as_text=True)
    assert sign_in.status_code == 200
    assert "Police sign-in" in html and "GOV.UK One Login" in html and "Development sign-in" not in html
    assert production_app.config["SESSION_COOKIE_SECURE"] is True


def _set_cookie(response, name: str) -> list[str]:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    return [part.strip() for part in header.split(";")]


def test_production_cookies_use_the_host_prefix(production_app):
    """__Host- cookies are refused by browsers unless Secure, Path=/ and without Domain: no other host can set
    them. Both the session cookie and the pending sign-in cookie, as the production app really writes them."""
    from app.auth import pending
    from app.auth.sessions import ServerSession

    cfg = production_app.config
    assert (cfg["SESSION_COOKIE_NAME"], cfg["SIGN_IN_COOKIE_NAME"]) == ("__Host-session", "__Host-sign-in")
    with production_app.app_context():
        db.create_all()
    with production_app.test_request_context("/", base_url="https://resolve.example"):
        response = production_app.response_class()
        production_app.session_interface.save_session(production_app, ServerSession({"k": "v"}), response)
        pending.put("police", "state", {"nonce": "n"})
        pending.save(response)
        token = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    with production_app.test_request_context("/", base_url="https://resolve.example",
                                             headers={"Cookie": f"__Host-session={token}; __Host-sign-in=x"}):
        ended = production_app.response_class()
        session = production_app.session_interface.open_session(production_app, flask.request)
        session.end()
        production_app.session_interface.save_session(production_app, session, ended)
        pending.clear()
        pending.save(ended)
    # Setting and deleting both: a browser ignores a __Host- Set-Cookie without these attributes.
    for name, written in [(n, r) for n in ("__Host-session", "__Host-sign-in") for r in (response, ended)]:
        parts = _set_cookie(written, name)
        assert {"Secure", "HttpOnly", "Path=/", "SameSite=Lax"} <= set(parts), parts
        assert not any(p.lower().startswith("domain=") for p in parts), parts
    assert "Max-Age=0" in _set_cookie(ended, "__Host-session")


def test_production_app_refuses_a_dev_provider_even_if_overridden(tmp_path, monkeypatch):
    """create_app never mounts the development provider in production, whatever the overrides say."""
    for name, value in _env(DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RESOLVE_INSTANCE", str(tmp_path))
    with pytest.raises(ConfigError, match="development identity provider cannot run in production"):
        create_app("production", {"DEV_IDP_ENABLED": True, "DEV_IDP_ISSUER": "http://127.0.0.1:5000/dev-idp"})
