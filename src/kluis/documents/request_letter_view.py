"""The view model of the letters a request gets besides its answer: the notice that its
deadline is extended (with the reasons, within the first month: Art. 12(3)), the refusal
(with the reasons, the right to complain to the supervisory authority and to go to court:
Art. 12(4)), and the confirmation that a request was carried out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kluis.documents.context import Facts, OrganisationView
from kluis.documents.language import Lang
from kluis.documents.notice_view import AuthorityView, authority
from kluis.i18n import N_
from kluis.register.schema import Register
from kluis.register.taxonomy import Taxonomy
from kluis.subject_requests import RequestView

#: What was done, per kind of request, as the confirmation says it.
_DONE = {
    "access": N_("We sent you a copy of all personal data we hold about you."),
    "rectification": N_(
        "We corrected your personal data as you asked, and we inform those who received them."
    ),
    "erasure": N_("We erased your personal data as far as the law allows."),
    "restriction": N_(
        "We restricted the use of your personal data: we keep them, but do not use them."
    ),
    "portability": N_(
        "We sent you the personal data you provided to us, in a machine-readable form."
    ),
    "objection": N_("We stopped using your personal data for the purposes you objected to."),
    "withdrawal": N_("We recorded that you withdrew your consent and stopped what relied on it."),
}
_KINDS = {
    "access": N_("access to your personal data"),
    "rectification": N_("correction of your personal data"),
    "erasure": N_("erasure of your personal data"),
    "restriction": N_("restriction of the use of your personal data"),
    "portability": N_("a copy of the data you provided"),
    "objection": N_("your objection to the use of your personal data"),
    "withdrawal": N_("the withdrawal of your consent"),
}


@dataclass(frozen=True)
class RequestLetterView:
    """Everything the letter shows."""

    language: str
    title: str
    date: str
    received: str
    organisation: OrganisationView
    #: ``extended``, ``refused`` or ``answered``.
    kind_of_letter: str
    request: str
    done: str
    reasons: str
    due: str
    authority: AuthorityView | None


def build(
    view: RequestView, *, register: Register, taxonomy: Taxonomy, lang: Lang, today: date
) -> RequestLetterView:
    """The letter's view model in ``lang``."""
    facts = Facts.of_stored(register, taxonomy, lang, today)
    if view.status == "refused":
        letter, title = "refused", lang.gettext("Your request")
    elif view.status == "open":
        letter, title = "extended", lang.gettext("Your request: more time needed")
    else:
        letter, title = "answered", lang.gettext("Your request")
    return RequestLetterView(
        language=lang.code,
        title=title,
        date=lang.date(today),
        received=lang.date(view.received_at.date()),
        organisation=facts.organisation(),
        kind_of_letter=letter,
        request=lang.gettext(_KINDS[view.kind]),
        done=lang.gettext(_DONE[view.kind]),
        reasons=(view.outcome_note if letter == "refused" else view.extension_reason) or "",
        due=lang.date(view.due),
        authority=authority(lang, register.organisation.country),
    )
