"""One timeline per case, shared by every party: each event names its audiences (`Audience`, and perhaps the one
victim it is for), and each party's timeline is a filtered query of the same stream (the filter is decided in
app/access.py). Every domain writes its events through `app.timeline.services.record`, with what their wording
needs; `app.timeline.wording` words each event for its reader from the template of its kind."""
