"""One timeline per case, shared by every party: each event says which parties may see it, and each party's
timeline is a filtered query of the same stream (the filter is decided in app/access.py). Every domain writes its
events through `app.timeline.services.record`."""
