"""The built-in vocabulary: data categories (the Fides taxonomy plus Kluis's extensions),
data subjects and security measures, each labelled in Dutch, English and French and
flagged special (Art. 9), criminal (Art. 10) or national identification number.

The ids of the Fides taxonomy come from the ``fideslang`` package; labels, flags and
Kluis's own ids come from ``data/taxonomy.yaml``. A register may add its own categories,
subjects and measures: :meth:`Taxonomy.extend` returns the taxonomy the register sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

from fideslang.default_taxonomy import DEFAULT_TAXONOMY

from kluis.register.builtin import builtin_yaml
from kluis.register.types import Text

if TYPE_CHECKING:
    from kluis.register.schema import Register

Origin = Literal["fides", "kluis", "register"]


@dataclass(frozen=True, slots=True)
class Term:
    """One entry of the vocabulary."""

    id: str
    label: Text
    description: Text | None = None
    origin: Origin = "kluis"
    special: bool = False
    criminal: bool = False
    national_id: bool = False
    parent: str | None = None


def _parent_of(term_id: str) -> str | None:
    return term_id.rsplit(".", 1)[0] if "." in term_id else None


@dataclass(frozen=True)
class Taxonomy:
    """Categories, data subjects and security measures, looked up by id."""

    categories: Mapping[str, Term]
    subjects: Mapping[str, Term]
    security_measures: Mapping[str, Term]

    # -- categories ----------------------------------------------------------------------

    def category(self, category_id: str) -> Term:
        """The category ``category_id``; raise ``KeyError`` when it is unknown."""
        return self.categories[category_id]

    def ancestors(self, category_id: str) -> list[str]:
        """The ids above ``category_id``, nearest first."""
        chain: list[str] = []
        current = self.categories[category_id].parent if category_id in self.categories else None
        while current is not None:
            chain.append(current)
            term = self.categories.get(current)
            current = term.parent if term else _parent_of(current)
        return chain

    def descendants(self, category_id: str) -> list[str]:
        """The ids below ``category_id`` (which it covers)."""
        return [c for c in self.categories if category_id in self.ancestors(c)]

    def covers(self, parent: str, child: str) -> bool:
        """Whether declaring ``parent`` covers ``child`` (the same id, or an ancestor)."""
        return parent == child or parent in self.ancestors(child)

    def has_flag(self, category_id: str, flag: str) -> bool:
        """Whether the category (or one above it) carries ``flag``: special, criminal, national_id."""
        ids = [category_id, *self.ancestors(category_id)]
        return any(getattr(self.categories[i], flag) for i in ids if i in self.categories)

    def is_special(self, category_id: str) -> bool:
        """Whether the category (or one above it) is special (Art. 9(1))."""
        return self.has_flag(category_id, "special")

    def is_criminal(self, category_id: str) -> bool:
        """Whether the category (or one above it) concerns criminal data (Art. 10)."""
        return self.has_flag(category_id, "criminal")

    def is_national_id(self, category_id: str) -> bool:
        """Whether the category is a national identification number (RRN, BSN)."""
        return self.has_flag(category_id, "national_id")

    def covers_flagged(self, category_id: str, flag: str) -> list[str]:
        """Ids below ``category_id`` that carry ``flag`` (a broad id hiding sensitive data)."""
        return [d for d in self.descendants(category_id) if getattr(self.categories[d], flag)]

    # -- building ------------------------------------------------------------------------

    def extend(self, register: Register) -> Taxonomy:
        """The taxonomy with the register's own categories, data subjects and measures."""
        categories = dict(self.categories)
        for own in register.categories:
            parent = own.parent or _parent_of(own.id)
            inherited = categories.get(parent) if parent else None
            categories[own.id] = Term(
                id=own.id,
                label=own.name,
                description=own.description,
                origin="register",
                special=own.special,
                criminal=own.criminal,
                national_id=own.national_id,
                parent=parent if inherited is not None else None,
            )
        subjects = dict(self.subjects)
        for subject in register.data_subjects:
            subjects[subject.id] = Term(subject.id, subject.name, subject.description, "register")
        measures = dict(self.security_measures)
        for measure in register.security_measures:
            measures[measure.id] = Term(measure.id, measure.name, measure.description, "register")
        return Taxonomy(categories, subjects, measures)


def _text(value: Any) -> Text | None:
    return Text(value) if isinstance(value, Mapping) else None


def _terms(
    section: Mapping[str, Any], origin: Origin, known: Iterable[str] = ()
) -> dict[str, Term]:
    fides = set(known)
    terms: dict[str, Term] = {}
    for term_id, entry in section.items():
        label = _text(entry["label"])
        if label is None:
            raise ValueError(f"taxonomy entry {term_id} has no label")
        terms[term_id] = Term(
            id=term_id,
            label=label,
            description=_text(entry.get("description")),
            origin="fides" if term_id in fides else origin,
            special=bool(entry.get("special", False)),
            criminal=bool(entry.get("criminal", False)),
            national_id=bool(entry.get("national_id", False)),
            parent=_parent_of(term_id),
        )
    return terms


@cache
def builtin_taxonomy() -> Taxonomy:
    """The taxonomy Kluis ships: fideslang's ids with Kluis's labels, plus extensions."""
    data = builtin_yaml(
        resources.files("kluis.register")
        .joinpath("data")
        .joinpath("taxonomy.yaml")
        .read_text("utf-8")
    )
    fides_categories = [c.fides_key for c in DEFAULT_TAXONOMY.data_category]
    fides_subjects = [s.fides_key for s in DEFAULT_TAXONOMY.data_subject]
    categories = _terms(data["categories"], "kluis", fides_categories)
    subjects = _terms(data["data_subjects"], "kluis", fides_subjects)
    measures = _terms(data["security_measures"], "kluis")
    return Taxonomy(categories, subjects, measures)
