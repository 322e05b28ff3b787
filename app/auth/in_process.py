"""The portal's back channel to the development identity provider, in process rather than over a socket.

Discovery, token and JWKS requests for the provider's issuer go straight to its WSGI app through a requests
transport adapter, so sign-in does not depend on the port (or host) the portal is served on, nor on reaching
itself over the network. Everything else about those requests is real: the same HTTP requests, client
authentication, responses and checks as with any provider. The endpoints a browser is sent to (authorize,
end-session) are put on the host of the request being served, where the provider is mounted.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from authlib.integrations.flask_client import FlaskOAuth2App
from flask import current_app, has_request_context, request
from requests.adapters import BaseAdapter
from requests.models import PreparedRequest, Response
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from werkzeug.test import EnvironBuilder, run_wsgi_app

MOUNT = "/dev-idp"  # where the portal mounts the development provider
BROWSER_ENDPOINTS = ("authorization_endpoint", "end_session_endpoint")


class WSGIAdapter(BaseAdapter):
    """Answers requests under `base` (an issuer URL) by calling a WSGI app, with `base`'s path as its root."""

    def __init__(self, wsgi_app, base: str):
        super().__init__()
        self.wsgi_app, self.base = wsgi_app, base.rstrip("/")

    def send(self, request: PreparedRequest, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        url = urlsplit(request.url)
        builder = EnvironBuilder(method=request.method, base_url=self.base,
                                 path=url.path.removeprefix(urlsplit(self.base).path),
                                 query_string=url.query, headers=list(request.headers.items()),
                                 data=request.body or b"")
        try:  # buffered: the app's iterable is read and closed here
            app_iter, status, headers = run_wsgi_app(self.wsgi_app, builder.get_environ(), buffered=True)
        finally:
            builder.close()
        body = b"".join(app_iter)
        response = Response()
        code, _, response.reason = status.partition(" ")
        response.status_code = int(code)
        response.headers = CaseInsensitiveDict(headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response._content, response._content_consumed = body, True  # no socket behind it to close
        response.url, response.request = request.url, request
        return response

    def close(self):
        pass


class DevIdpOAuth2App(FlaskOAuth2App):
    """Authlib's Flask client for the development provider: back channel in process, browser on this host."""

    @property
    def issuer(self) -> str:
        return self._server_metadata_url.removesuffix("/.well-known/openid-configuration")

    def _in_process(self, session):
        session.mount(f"{self.issuer}/", WSGIAdapter(current_app.extensions["dev_idp"], self.issuer))
        return session

    def _get_session(self):
        return self._in_process(super()._get_session())

    def _get_oauth_client(self, **metadata):
        return self._in_process(super()._get_oauth_client(**metadata))

    def load_server_metadata(self):
        metadata = super().load_server_metadata()
        if not has_request_context():
            return metadata
        here = request.url_root.rstrip("/") + MOUNT
        return metadata | {name: metadata[name].replace(self.issuer, here, 1)
                           for name in BROWSER_ENDPOINTS if metadata.get(name, "").startswith(self.issuer)}
