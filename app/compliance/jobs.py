"""The compliance sweep: raise the flags whose cause is a time passing, clear those whose cause went."""

from __future__ import annotations

from app.compliance.models import Flag  # noqa: F401
