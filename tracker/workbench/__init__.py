"""The daily workbench: the landing page (/) of every role (issue 13)."""
