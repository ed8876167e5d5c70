"""Background jobs, queued in the database: the daily retention run and request deadline
reminders, done once however many server processes share the database."""

from kluis.jobs.models import Job

__all__ = ["Job"]
