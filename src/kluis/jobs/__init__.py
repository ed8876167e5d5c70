"""Background jobs, queued in the database: the daily retention run, request deadline
reminders and the dashboard's figures, done once however many server processes share the
database.

Public surface: the queue (:func:`queue`, :func:`claim_next`, :func:`heartbeat`,
:func:`progress`, :func:`finish`, :func:`fail`, :func:`get_job`, :func:`list_jobs`,
:func:`latest_result`), the :class:`Worker` that runs the kinds Kluis knows, the
:class:`Scheduler` thread, and the reminders (:func:`deadline_reminders`).
"""

from kluis.jobs.figures import dashboard_figures, plan_rows, register_findings
from kluis.jobs.models import Job
from kluis.jobs.reminders import (
    Reminder,
    Send,
    deadline_reminders,
    due_requests,
    mail_sender,
)
from kluis.jobs.scheduler import SCHEDULER, Scheduler
from kluis.jobs.service import (
    DONE,
    FAILED,
    QUEUED,
    RETRY_AFTER,
    RUNNING,
    STALE,
    JobLost,
    JobView,
    claim_next,
    fail,
    finish,
    get_job,
    heartbeat,
    latest_result,
    list_jobs,
    progress,
    queue,
)
from kluis.jobs.work import (
    DAILY,
    DASHBOARD_FIGURES,
    DEADLINE_REMINDERS,
    HOUSEKEEPING,
    RETENTION_RUN,
    Worker,
    daily_due,
    default_owner,
    manual_slot,
)

__all__ = [
    "DAILY",
    "DASHBOARD_FIGURES",
    "DEADLINE_REMINDERS",
    "DONE",
    "FAILED",
    "HOUSEKEEPING",
    "QUEUED",
    "RETENTION_RUN",
    "RETRY_AFTER",
    "RUNNING",
    "SCHEDULER",
    "STALE",
    "Job",
    "JobLost",
    "JobView",
    "Reminder",
    "Scheduler",
    "Send",
    "Worker",
    "claim_next",
    "daily_due",
    "dashboard_figures",
    "deadline_reminders",
    "default_owner",
    "due_requests",
    "fail",
    "finish",
    "get_job",
    "heartbeat",
    "latest_result",
    "list_jobs",
    "mail_sender",
    "manual_slot",
    "plan_rows",
    "progress",
    "queue",
    "register_findings",
]
