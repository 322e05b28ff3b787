"""The WSGI entry point for gunicorn and the flask command."""

import sys

from app import create_app
from app.cases.pack_reader import RulePackError
from config.settings import ConfigError

try:
    app = create_app()
except (ConfigError, RulePackError) as exc:
    sys.exit(f"Resolve cannot start: {exc}")
