"""Languages of Kluis: Dutch, English and French message catalogues, and negotiation.

Texts are written in English in the code and in templates and translated with gettext
catalogues (``locale/<lang>/LC_MESSAGES/<domain>.po``), one domain per part of Kluis
(``loader``, ``checks``, ``documents``, ``cli``). Catalogues are read with Babel the first time a
language is used, never at import time.
"""

from kluis.i18n.catalogue import (
    DOMAINS,
    LANGUAGES,
    N_,
    LocalText,
    accepted_languages,
    from_accept_language,
    gettext,
    language_name,
    negotiate,
    ngettext,
    translations,
)

__all__ = [
    "DOMAINS",
    "LANGUAGES",
    "N_",
    "LocalText",
    "accepted_languages",
    "from_accept_language",
    "gettext",
    "language_name",
    "negotiate",
    "ngettext",
    "translations",
]
