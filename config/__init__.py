"""Settings and rule packs. `settings.py` reads the environment; rule packs live beside it."""
