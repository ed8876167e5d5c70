"""Extract every translatable text and merge it into the Dutch and French catalogues.

New texts arrive untranslated, changed ones fuzzy; translate them, then run the tests
(they fail while any text lacks a translation).
"""

from __future__ import annotations

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from kluis.i18n import DOMAINS, LANGUAGES
from kluis.i18n.catalogue import SOURCE_LANGUAGE
from kluis.i18n.extract import extract, package_root


def main() -> None:
    for domain in DOMAINS:
        template = extract(domain)
        for language in LANGUAGES:
            if language == SOURCE_LANGUAGE:
                continue
            path = package_root() / "i18n" / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
            if path.exists():
                with path.open("rb") as handle:
                    catalog = read_po(handle, locale=language, domain=domain)
            else:
                catalog = Catalog(locale=language, domain=domain, project="kluis", charset="utf-8")
            catalog.update(template, no_fuzzy_matching=False)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                write_po(handle, catalog, width=100, omit_header=False, ignore_obsolete=True)
            missing = sum(1 for m in catalog if m.id and (not m.string or m.fuzzy))
            print(f"{language}/{domain}.po: {len(catalog)} texts, {missing} to translate")


if __name__ == "__main__":
    main()
