"""The in-house htmx 4 helper: one URL, one template; partial requests get just the named block.

`render(template, block, **ctx)` renders the page, or only `block` when htmx asks for a partial swap.
Every response says `Vary: HX-Request` so caches never mix the two.
"""

from __future__ import annotations

import re

from flask import make_response, redirect, render_template, request, url_for
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def is_partial() -> bool:
    """htmx 4 sends HX-Request-Type: partial for swaps that target part of the page (not boosted navigation)."""
    return is_htmx() and request.headers.get("HX-Request-Type") == "partial"


def render(template: str, block: str | None = None, status: int = 200, **context):
    if block and is_partial():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    return make_response(body, status)


# The page template's inline "js-enabled" script. htmx re-creates scripts in swapped content, and this one would
# carry the new response's nonce, which the page's CSP (fixed at first load) refuses. The body keeps its classes
# across boosted swaps, so htmx responses leave the script out.
_JS_ENABLED = re.compile(rb"<script(?: nonce=\"[^\"]*\")?>document\.body\.className \+= ' js-enabled'.*?</script>")


def redirect_to(endpoint: str, **values):
    """After a successful POST: 303, so the browser (and htmx) follows with a GET."""
    return redirect(url_for(endpoint, **values), 303)


def after_request(response):
    response.vary.add("HX-Request")
    # History restores (back button) send HX-History-Restore-Request and no HX-Request, but swap the same way.
    swapped = is_htmx() or request.headers.get("HX-History-Restore-Request") == "true"
    if swapped and response.mimetype == "text/html" and not response.direct_passthrough:
        response.set_data(_JS_ENABLED.sub(b"", response.get_data()))
    return response
