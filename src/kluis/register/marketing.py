"""Whether an activity is direct marketing, which gives people an absolute right to object
(Art. 21(2)-(3) GDPR) that the privacy notice must show separately (Art. 21(4)).

The register says so with ``direct_marketing: true|false`` on the activity. Where it is
silent, Kluis recognises marketing by what the activity is about (its data subjects, its
id or its consent purpose's id), and ``lint`` asks for the flag to be written (KL808).
"""

from __future__ import annotations

from typing import Final

from kluis.register.schema import Activity

#: Data subject types whose data are, by their nature, used for direct marketing.
MARKETING_SUBJECTS: Final = frozenset({"newsletter_subscriber", "prospect"})
#: Words that, as a part of an activity's id or of its consent purpose's id, mark the
#: activity as direct marketing (``newsletter``, ``event-mailing``, ``prospection``).
MARKETING_WORDS: Final = frozenset(
    {"newsletter", "newsletters", "marketing", "mailing", "mailings", "promotion", "prospection",
     "prospecting", "prospects"}
)  # fmt: skip


def _words(slug: str) -> set[str]:
    return set(slug.replace("-", "_").split("_"))


def looks_like_direct_marketing(activity: Activity) -> bool:
    """Whether the activity's subjects or ids suggest direct marketing."""
    if MARKETING_SUBJECTS.intersection(activity.data_subjects):
        return True
    consent = activity.legal_basis.consent if activity.legal_basis else None
    return bool(MARKETING_WORDS & (_words(activity.id) | _words(consent or "")))


def is_direct_marketing(activity: Activity) -> bool:
    """Whether the activity is direct marketing: as the register says, else as it looks."""
    if activity.direct_marketing is not None:
        return activity.direct_marketing
    return looks_like_direct_marketing(activity)
