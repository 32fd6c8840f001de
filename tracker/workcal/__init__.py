"""The working-day calendar as data: entered State Council arrangements, wired to tracker.rules.workdays."""
