"""Disclosure requests (依申请公开): intake, handling, letters."""
