"""The victim's own pages and the Victims' Code duties that follow each key decision: the update each opted-in
victim is owed (due in the pack's working days), how and when it was given, support and restorative justice."""
