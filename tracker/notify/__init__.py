"""Notifications at every handoff and the channels they travel by (issue 13)."""
