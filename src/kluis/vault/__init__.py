"""The vault: data subjects and their records under the register's activities, each value
sealed with the subject's own data key, found again by blind indexes, every access audited.

Public surface: writing (:func:`store_record`, :func:`write_records`), reading
(:func:`find_subjects`, :func:`show_subject`), erasure (:func:`erase_subject`,
:func:`erase_record`, :func:`anonymise_record`), the :class:`Keyring`, and the errors.
"""

from kluis.vault.erasure import (
    Erasure,
    anonymise_record,
    count_records,
    erase_record,
    erase_subject,
    expire_records,
    records_between,
    records_due,
    renew_record,
    shred_orphans,
    shred_subject,
)
from kluis.vault.errors import AccessDenied, FieldRefused, SubjectNotFound
from kluis.vault.importing import ImportFileInvalid, ImportSummary, import_file
from kluis.vault.keyring import Keyring
from kluis.vault.policy import ValueKind
from kluis.vault.reads import (
    RecordDates,
    RecordView,
    SubjectMatch,
    SubjectView,
    event_counts,
    find_subjects,
    record_count,
    record_dates,
    record_owner,
    record_refused_read,
    set_consent_dates,
    show_subject,
    subject_exists,
)
from kluis.vault.rotation import (
    KekStatus,
    Rotation,
    forget_keks,
    forgettable,
    kek_status,
    key_counts,
    pending_keys,
    record_rotation,
    require_admin,
    rewrap_batch,
    start_rotation,
)
from kluis.vault.stranding import (
    Applied,
    Plan,
    PlannedChange,
    apply_register,
    plan_apply,
    shred_before_apply,
)
from kluis.vault.writes import RecordInput, Refusal, Written, store_record, write_records

__all__ = [
    "AccessDenied",
    "Applied",
    "Erasure",
    "FieldRefused",
    "ImportFileInvalid",
    "ImportSummary",
    "KekStatus",
    "Keyring",
    "Plan",
    "PlannedChange",
    "RecordDates",
    "RecordInput",
    "RecordView",
    "Refusal",
    "Rotation",
    "SubjectMatch",
    "SubjectNotFound",
    "SubjectView",
    "ValueKind",
    "Written",
    "anonymise_record",
    "apply_register",
    "count_records",
    "erase_record",
    "erase_subject",
    "event_counts",
    "expire_records",
    "find_subjects",
    "forget_keks",
    "forgettable",
    "import_file",
    "kek_status",
    "key_counts",
    "pending_keys",
    "plan_apply",
    "record_count",
    "record_dates",
    "record_owner",
    "record_refused_read",
    "record_rotation",
    "records_between",
    "records_due",
    "renew_record",
    "require_admin",
    "rewrap_batch",
    "set_consent_dates",
    "show_subject",
    "shred_before_apply",
    "shred_orphans",
    "shred_subject",
    "start_rotation",
    "store_record",
    "subject_exists",
    "write_records",
]
