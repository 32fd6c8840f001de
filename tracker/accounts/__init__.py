"""Agencies, sections, users, roles and the one scoped query for cases."""
