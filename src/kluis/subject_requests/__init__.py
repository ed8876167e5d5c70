"""Data subject requests: the register of requests (Art. 15-22 GDPR), their deadlines
(Art. 12(3)), identity checks where there is reasonable doubt (Art. 12(6)) and how they
were closed.

Public surface: :func:`file_request`, :func:`list_requests`, :func:`get_request`,
:func:`extend_request`, :func:`record_identity`, :func:`close_request`, and the rules of
:mod:`kluis.subject_requests.policy`.
"""

from kluis.subject_requests.answers import (
    AccessPackage,
    access_package,
    portability_csv,
    portability_json,
    portable,
)
from kluis.subject_requests.erasure import (
    ErasureOutcome,
    Kept,
    carry_out_erasure,
    erasure_plan,
    outcome_of,
    outcome_result,
    shred_before_erasure,
)
from kluis.subject_requests.objection import (
    ObjectionOutcome,
    carry_out_objection,
    shred_before_objection_request,
)
from kluis.subject_requests.policy import (
    Channel,
    IdentityMethod,
    IdentityOutcome,
    Kind,
    Outcome,
    days_left,
    extended_deadline,
    first_deadline,
)
from kluis.subject_requests.rectification import Rectified, rectify
from kluis.subject_requests.restriction import lift, restrict
from kluis.subject_requests.service import (
    RequestView,
    close_request,
    extend_request,
    file_request,
    get_request,
    list_requests,
    record_identity,
    request_for,
)
from kluis.subject_requests.steps import (
    STEPS,
    StepView,
    mark_done,
    mark_failed,
    step_result,
    steps_of,
)

__all__ = [
    "STEPS",
    "AccessPackage",
    "Channel",
    "ErasureOutcome",
    "IdentityMethod",
    "IdentityOutcome",
    "Kept",
    "Kind",
    "ObjectionOutcome",
    "Outcome",
    "Rectified",
    "RequestView",
    "StepView",
    "access_package",
    "carry_out_erasure",
    "carry_out_objection",
    "close_request",
    "days_left",
    "erasure_plan",
    "extend_request",
    "extended_deadline",
    "file_request",
    "first_deadline",
    "get_request",
    "lift",
    "list_requests",
    "mark_done",
    "mark_failed",
    "outcome_of",
    "outcome_result",
    "portability_csv",
    "portability_json",
    "portable",
    "record_identity",
    "rectify",
    "request_for",
    "restrict",
    "shred_before_erasure",
    "shred_before_objection_request",
    "step_result",
    "steps_of",
]
