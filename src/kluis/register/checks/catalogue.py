"""Every check Kluis runs on a register, listed by hand (no discovery at import time), and
the codes of those about what a privacy notice needs (``kluis notice --check``).

Codes are stable: KL1xx Art. 30 contents, KL2xx lawful bases, KL3xx special categories,
criminal data and national numbers, KL4xx transfers, KL5xx processors, KL6xx retention,
KL7xx access and accountability, KL8xx the privacy notice, Art. 22 and Art. 8, KL9xx
languages. A code is never reused for another rule.
"""

from __future__ import annotations

from typing import Final

from kluis.register.checks import (
    access,
    art30,
    governance,
    lawfulness,
    notice,
    processors,
    retention,
    sensitive,
    transfers,
    translations,
)
from kluis.register.checks.base import Check

CHECKS: Final[tuple[Check, ...]] = (
    # Art. 30: what the register holds
    art30.no_contact,
    art30.contact_without_details,
    art30.no_enterprise_number,
    art30.no_data_subjects,
    art30.no_data_categories,
    art30.no_recipients,
    art30.no_retention,
    art30.no_security,
    art30.processor_without_controller,
    art30.joint_without_controllers,
    art30.undeclared_field,
    # Art. 6: lawful bases
    lawfulness.no_legal_basis,
    lawfulness.consent_without_purpose,
    lawfulness.legitimate_interests_incomplete,
    lawfulness.obligation_without_law,
    lawfulness.basis_without_note,
    lawfulness.authority_legitimate_interests,
    lawfulness.unused_consent_purpose,
    lawfulness.employee_consent,
    # Art. 9, 10, 87: special categories, criminal data, national numbers
    sensitive.special_without_condition,
    sensitive.explicit_consent_incomplete,
    sensitive.condition_without_law,
    sensitive.criminal_without_law,
    sensitive.broad_category,
    sensitive.rrn_without_ground,
    sensitive.bsn_without_ground,
    sensitive.bsn_of_applicants,
    sensitive.national_number_without_ground,
    # Art. 44-49: transfers
    transfers.privacy_shield,
    transfers.missing_mechanism,
    transfers.adequacy_without_decision,
    transfers.dpf_outside_us,
    transfers.dpf_unchecked,
    transfers.derogation_without_reason,
    transfers.adequacy_unconfirmed,
    # Art. 28: processors
    processors.no_agreement,
    processors.expired_agreement,
    processors.unused_processor,
    # Art. 5(1)(e): retention
    retention.retention_incomplete,
    retention.renew_without_keep,
    retention.consent_event_without_consent,
    retention.statutory_period,
    retention.applicants_kept_long,
    # Art. 32: access; Art. 30(5), 35, 37: accountability
    access.no_access,
    access.unused_role,
    governance.dpo_required,
    governance.dpo_to_assess,
    governance.dpia_not_done,
    governance.dpia_not_assessed,
    governance.occasional_not_exempt,
    governance.replaced_but_active,
    governance.ended_without_date,
    # Art. 8, 12-14, 22: the privacy notice
    notice.no_rights_channel,
    notice.answer_period_too_long,
    notice.marketing_unsaid,
    notice.source_undescribed,
    notice.decisions_without_safeguards,
    notice.decisions_on_special_data,
    notice.decisions_without_basis,
    notice.children_consent,
    # Art. 12(1): languages
    translations.missing_translation,
)

#: Checks about what the privacy notice (Art. 13, 14) says or needs.
NOTICE_CODES: Final[frozenset[str]] = frozenset(
    {
        "KL101",  # who the controller is and how to reach it: 13(1)(a)
        "KL807",  # how requests are answered: 12(3)
        "KL102",
        "KL105",  # categories of data: 14(1)(d)
        "KL106",  # recipients: 13(1)(e)
        "KL107",  # storage period: 13(2)(a)
        "KL201",  # legal basis: 13(1)(c)
        "KL202",  # consent and its withdrawal: 13(2)(c)
        "KL203",  # the legitimate interests pursued: 13(1)(d)
        "KL204",
        "KL205",
        "KL401",  # transfers and their safeguards: 13(1)(f)
        "KL402",
        "KL403",
        "KL404",
        "KL406",
        "KL601",  # storage period: 13(2)(a)
        "KL710",  # the DPO's contact details: 13(1)(b)
        "KL801",  # how to exercise rights: 13(2)(b)
        "KL802",  # the source: 14(2)(f)
        "KL803",  # automated decisions: 13(2)(f)
        "KL806",  # consent of children: Art. 8
        "KL901",  # the notice in every language: 12(1)
    }
)
