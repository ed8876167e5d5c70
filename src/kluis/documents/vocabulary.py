"""Labels of the register's enumerations, as English msgids of the ``documents`` domain.

Each table maps an enumeration value to a msgid marked with ``N_``; callers translate it
with :meth:`kluis.documents.language.Lang.gettext`. Articles are those of the GDPR.
"""

from __future__ import annotations

from typing import Final

from kluis.documents.rights import Right
from kluis.i18n import N_
from kluis.register.schema import (
    ActivityRole,
    LegalBasis,
    ProvisionRequirement,
    RetentionAction,
    RetentionEvent,
    Source,
    SpecialCondition,
    SubProcessors,
    SystemType,
    TransferMechanism,
)

#: The lawful bases of Art. 6(1), as a register names them.
LEGAL_BASES: Final[dict[LegalBasis, str]] = {
    LegalBasis.consent: N_("Consent"),
    LegalBasis.contract: N_("Performance of a contract"),
    LegalBasis.legal_obligation: N_("Legal obligation"),
    LegalBasis.vital_interests: N_("Vital interests"),
    LegalBasis.public_task: N_("Task carried out in the public interest"),
    LegalBasis.legitimate_interests: N_("Legitimate interests"),
}

#: The paragraph of Art. 6(1) each basis comes from.
LEGAL_BASIS_ARTICLES: Final[dict[LegalBasis, str]] = {
    LegalBasis.consent: N_("Art. 6(1)(a) GDPR"),
    LegalBasis.contract: N_("Art. 6(1)(b) GDPR"),
    LegalBasis.legal_obligation: N_("Art. 6(1)(c) GDPR"),
    LegalBasis.vital_interests: N_("Art. 6(1)(d) GDPR"),
    LegalBasis.public_task: N_("Art. 6(1)(e) GDPR"),
    LegalBasis.legitimate_interests: N_("Art. 6(1)(f) GDPR"),
}

#: The lawful bases in words addressed to the person (the privacy notice), without a full stop.
LEGAL_BASES_FOR_YOU: Final[dict[LegalBasis, str]] = {
    LegalBasis.consent: N_("We do this with your consent"),
    LegalBasis.contract: N_(
        "We need the data to perform a contract with you, or to take steps you asked for "
        "before entering into one"
    ),
    LegalBasis.legal_obligation: N_("The law obliges us to do this"),
    LegalBasis.vital_interests: N_(
        "We need the data to protect your vital interests or those of another person"
    ),
    LegalBasis.public_task: N_("We need the data to carry out a task in the public interest"),
    LegalBasis.legitimate_interests: N_("We do this because we have a legitimate interest in it"),
}

#: The conditions of Art. 9(2) that allow special categories of personal data.
SPECIAL_CONDITIONS: Final[dict[SpecialCondition, str]] = {
    SpecialCondition.explicit_consent: N_("Explicit consent (Art. 9(2)(a))"),
    SpecialCondition.employment_social_security: N_(
        "Obligations and rights in employment, social security and social protection law "
        "(Art. 9(2)(b))"
    ),
    SpecialCondition.vital_interests: N_(
        "Vital interests of a person who cannot give consent (Art. 9(2)(c))"
    ),
    SpecialCondition.not_for_profit_body: N_(
        "Members of a foundation, association or other not-for-profit body (Art. 9(2)(d))"
    ),
    SpecialCondition.made_public: N_(
        "Data manifestly made public by the data subject (Art. 9(2)(e))"
    ),
    SpecialCondition.legal_claims: N_(
        "Establishment, exercise or defence of legal claims (Art. 9(2)(f))"
    ),
    SpecialCondition.substantial_public_interest: N_(
        "Substantial public interest laid down by law (Art. 9(2)(g))"
    ),
    SpecialCondition.occupational_medicine: N_(
        "Preventive or occupational medicine, assessment of working capacity (Art. 9(2)(h))"
    ),
    SpecialCondition.public_health: N_("Public health (Art. 9(2)(i))"),
    SpecialCondition.archiving_research: N_(
        "Archiving in the public interest, scientific or historical research, statistics "
        "(Art. 9(2)(j))"
    ),
}

#: Where data come from, as a register names it.
SOURCES: Final[dict[Source, str]] = {
    Source.data_subject: N_("The data subject"),
    Source.client: N_("A client, for whom we process the data"),
    Source.public: N_("Publicly accessible sources"),
    Source.job_platform: N_("Job sites and online CV databases"),
    Source.referral: N_("A referral by someone who knows the data subject"),
    Source.third_party: N_("Other third parties"),
}

#: Where data come from, addressed to the person (Art. 14(2)(f)).
SOURCES_FOR_YOU: Final[dict[Source, str]] = {
    Source.data_subject: N_("you"),
    Source.client: N_("the client for whom we work"),
    Source.public: N_("publicly accessible sources"),
    Source.job_platform: N_("job sites and online CV databases where you published your profile"),
    Source.referral: N_("someone who recommended you to us"),
    Source.third_party: N_("other third parties"),
}

#: The event a retention period runs from, completing "{period} ...".
RETENTION_EVENTS: Final[dict[RetentionEvent, str]] = {
    RetentionEvent.collected: N_("{period} after collection"),
    RetentionEvent.last_contact: N_("{period} after the last contact"),
    RetentionEvent.contract_end: N_("{period} after the end of the contract"),
    RetentionEvent.employment_end: N_("{period} after the end of employment"),
    RetentionEvent.selection_end: N_("{period} after the end of the selection procedure"),
    RetentionEvent.fiscal_year_end: N_("{period} after the end of the financial year"),
    RetentionEvent.consent_withdrawn: N_("{period} after consent is withdrawn"),
    RetentionEvent.consent_given: N_("{period} after consent is given"),
}

#: What happens when a retention period ends.
RETENTION_ACTIONS: Final[dict[RetentionAction, str]] = {
    RetentionAction.erase: N_("then erased"),
    RetentionAction.anonymize: N_("then anonymised"),
}

#: Grounds for a transfer outside the EEA (Art. 44-49).
TRANSFER_MECHANISMS: Final[dict[TransferMechanism, str]] = {
    TransferMechanism.adequacy: N_("Adequacy decision of the European Commission (Art. 45)"),
    TransferMechanism.dpf: N_(
        "EU-US Data Privacy Framework: adequacy decision of 10 July 2023 for certified "
        "organisations (Art. 45)"
    ),
    TransferMechanism.scc: N_(
        "Standard data protection clauses of the European Commission (Art. 46(2)(c))"
    ),
    TransferMechanism.bcr: N_("Binding corporate rules (Art. 46(2)(b) and 47)"),
    TransferMechanism.code_of_conduct: N_("Approved code of conduct (Art. 46(2)(e))"),
    TransferMechanism.certification: N_("Approved certification mechanism (Art. 46(2)(f))"),
    TransferMechanism.derogation: N_("Derogation for a specific situation (Art. 49)"),
    TransferMechanism.privacy_shield: N_(
        "EU-US Privacy Shield: invalid since 16 July 2020 (CJEU C-311/18), not a valid ground"
    ),
}

#: Mechanisms that rest on an adequacy decision rather than on safeguards.
ADEQUACY_MECHANISMS: Final = frozenset({TransferMechanism.adequacy, TransferMechanism.dpf})
#: Mechanisms that are appropriate safeguards of Art. 46-47, of which a copy can be obtained.
SAFEGUARD_MECHANISMS: Final = frozenset(
    {
        TransferMechanism.scc,
        TransferMechanism.bcr,
        TransferMechanism.code_of_conduct,
        TransferMechanism.certification,
    }
)

#: Kinds of system.
SYSTEM_TYPES: Final[dict[SystemType, str]] = {
    SystemType.public_cloud: N_("Public cloud"),
    SystemType.private_cloud: N_("Private cloud"),
    SystemType.on_premises: N_("On premises"),
    SystemType.paper: N_("Paper"),
    SystemType.device: N_("Device"),
}

#: The organisation's role in an activity.
ACTIVITY_ROLES: Final[dict[ActivityRole, str]] = {
    ActivityRole.controller: N_("Controller"),
    ActivityRole.processor: N_("Processor"),
    ActivityRole.joint_controller: N_("Joint controller"),
}

#: How a processor may engage sub-processors (Art. 28(2)).
SUB_PROCESSORS: Final[dict[SubProcessors, str]] = {
    SubProcessors.general: N_("General written authorisation, with notice of changes"),
    SubProcessors.specific: N_("Specific prior written authorisation"),
    SubProcessors.none: N_("No sub-processors"),
}

#: Whether a person must provide the data (Art. 13(2)(e)), addressed to the person.
PROVISION_FOR_YOU: Final[dict[ProvisionRequirement, str]] = {
    ProvisionRequirement.statutory: N_("The law requires you to provide these data."),
    ProvisionRequirement.contractual: N_(
        "Our contract with you requires you to provide these data."
    ),
    ProvisionRequirement.contract_precondition: N_(
        "You must provide these data if you want to enter into a contract with us."
    ),
    ProvisionRequirement.voluntary: N_("You are free to provide these data or not."),
}

#: Whether a person must provide the data (Art. 13(2)(e)), as a register names it.
PROVISION: Final[dict[ProvisionRequirement, str]] = {
    ProvisionRequirement.statutory: N_("Statutory requirement"),
    ProvisionRequirement.contractual: N_("Contractual requirement"),
    ProvisionRequirement.contract_precondition: N_(
        "Requirement necessary to enter into a contract"
    ),
    ProvisionRequirement.voluntary: N_("Voluntary"),
}

#: Each right: its title and what it means, in one or two sentences (Art. 15-22).
RIGHT_TEXTS: Final[dict[Right, tuple[str, str]]] = {
    Right.access: (
        N_("Right of access"),
        N_(
            "You can ask us whether we process data about you and, if we do, receive a copy "
            "of them together with the information in this notice (Art. 15 GDPR)."
        ),
    ),
    Right.rectification: (
        N_("Right to rectification"),
        N_(
            "If data about you are inaccurate or incomplete, you can ask us to correct or "
            "complete them (Art. 16 GDPR)."
        ),
    ),
    Right.erasure: (
        N_("Right to erasure"),
        N_(
            "You can ask us to erase data about you, for example when we no longer need them, "
            "when you withdraw your consent or when you object successfully (Art. 17 GDPR)."
        ),
    ),
    Right.restriction: (
        N_("Right to restriction of processing"),
        N_(
            "You can ask us to restrict the processing of your data, for example while we "
            "check whether they are accurate or while we assess your objection. We then only "
            "store them (Art. 18 GDPR)."
        ),
    ),
    Right.portability: (
        N_("Right to data portability"),
        N_(
            "You can receive the data you provided to us in a structured, commonly used and "
            "machine-readable format, or ask us to send them directly to another organisation "
            "(Art. 20 GDPR)."
        ),
    ),
    Right.objection: (
        N_("Right to object"),
        N_(
            "Where we rely on our legitimate interests or on a task in the public interest, "
            "you can object at any time, on grounds relating to your particular situation. We "
            "then stop, unless we have compelling legitimate grounds that override your "
            "interests, rights and freedoms, or need the data for legal claims "
            "(Art. 21(1) GDPR)."
        ),
    ),
    Right.withdraw_consent: (
        N_("Right to withdraw your consent"),
        N_(
            "Where we rely on your consent, you can withdraw it at any time, as easily as you "
            "gave it. This does not affect the lawfulness of what we did before you withdrew "
            "it (Art. 7(3) GDPR)."
        ),
    ),
    Right.automated_decisions: (
        N_("Rights concerning automated decisions"),
        N_(
            "Where a decision about you is taken solely by automated means, you can ask for a "
            "person to review it, express your point of view and contest the decision "
            "(Art. 22(3) GDPR)."
        ),
    ),
}
