"""A bare Flask endpoint: the reference bench/pages.py serves under the same gunicorn settings as the portal, so a
page's throughput is read as a share of what the framework alone can do on this machine."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def ok() -> str:
    return "ok"
