"""Deadline reminders: what is owed when (scan), recording and sending it (service, mail), the scheduler,
and the in-app notification centre (views). See docs/reminders.md."""
