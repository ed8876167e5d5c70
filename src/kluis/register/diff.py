"""What changes between two registers, as a typed list: activities and fields added, removed
or changed, identifiers, and the other sections by id.

Pure comparison of :class:`~kluis.register.schema.Register` models; no I/O. Whether a change
strands data the vault holds is decided by the vault, which counts the records it touches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from pydantic import BaseModel

from kluis.i18n import N_
from kluis.register.schema import Activity, Register
from kluis.register.taxonomy import Taxonomy, builtin_taxonomy


class ChangeKind(StrEnum):
    """What a change does."""

    activity_added = "activity_added"
    activity_removed = "activity_removed"
    activity_changed = "activity_changed"
    field_added = "field_added"
    field_removed = "field_removed"
    field_category_changed = "field_category_changed"
    identifier_added = "identifier_added"
    identifier_removed = "identifier_removed"
    section_changed = "section_changed"


#: Sections of the register other than activities, compared by the ids of their entries.
LIST_SECTIONS: Final = (
    "roles",
    "systems",
    "processors",
    "third_parties",
    "categories",
    "data_subjects",
    "consent_purposes",
    "security_measures",
)
#: Attributes of an activity compared as a whole (fields and identifiers have changes of
#: their own).
_OWN_CHANGES: Final = frozenset({"id", "fields", "identifiers"})

_DESCRIPTIONS: Final[dict[ChangeKind, str]] = {
    ChangeKind.activity_added: N_("activity '{activity}' added"),
    ChangeKind.activity_removed: N_("activity '{activity}' removed"),
    ChangeKind.activity_changed: N_("activity '{activity}' changed: {items}"),
    ChangeKind.field_added: N_("activity '{activity}': field '{field}' added ({new})"),
    ChangeKind.field_removed: N_("activity '{activity}': field '{field}' removed (was {old})"),
    ChangeKind.field_category_changed: N_(
        "activity '{activity}': field '{field}' changes category from {old} to {new}"
    ),
    ChangeKind.identifier_added: N_("activity '{activity}': field '{field}' becomes an identifier"),
    ChangeKind.identifier_removed: N_(
        "activity '{activity}': field '{field}' is no longer an identifier"
    ),
    ChangeKind.section_changed: N_("{section} changed: {items}"),
}


@dataclass(frozen=True)
class Change:
    """One difference between the applied register and the new one.

    ``old`` and ``new`` are categories for field changes; ``items`` names the attributes of
    an activity that changed, or the entries of a section (``+id``, ``-id``, ``~id``).
    ``narrowing`` is set on a category change when the new category does not cover the old
    one, so values collected under the old category are no longer declared.
    """

    kind: ChangeKind
    activity: str | None = None
    field: str | None = None
    section: str | None = None
    old: str | None = None
    new: str | None = None
    items: tuple[str, ...] = ()
    narrowing: bool = False

    @property
    def marker(self) -> str:
        """``+`` for an addition, ``-`` for a removal, ``~`` for a change."""
        if self.kind in (
            ChangeKind.activity_added,
            ChangeKind.field_added,
            ChangeKind.identifier_added,
        ):
            return "+"
        if self.kind in (
            ChangeKind.activity_removed,
            ChangeKind.field_removed,
            ChangeKind.identifier_removed,
        ):
            return "-"
        return "~"

    def description(self) -> tuple[str, dict[str, object]]:
        """An English message (domain ``vault``) describing the change, and its parameters."""
        params: dict[str, object] = {
            "activity": self.activity or "",
            "field": self.field or "",
            "section": self.section or "",
            "old": self.old or "-",
            "new": self.new or "-",
            "items": ", ".join(self.items),
        }
        return _DESCRIPTIONS[self.kind], params

    def as_dict(self) -> dict[str, object]:
        """The change as plain data (JSON), without empty attributes."""
        data: dict[str, object] = {"kind": self.kind.value}
        for name in ("activity", "field", "section", "old", "new"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.items:
            data["items"] = list(self.items)
        if self.narrowing:
            data["narrowing"] = True
        return data


def diff_registers(
    old: Register | None, new: Register, *, taxonomy: Taxonomy | None = None
) -> list[Change]:
    """The changes that turn ``old`` (None before the first register) into ``new``.

    ``taxonomy`` is the one ``new`` sees (by default the built-in one extended by ``new``);
    it decides whether a changed field category still covers the old one.
    """
    seen = taxonomy if taxonomy is not None else builtin_taxonomy().extend(new)
    if old is None:
        return [Change(ChangeKind.activity_added, activity=a.id) for a in new.activities]
    changes: list[Change] = []
    if old.organisation != new.organisation:
        changes.append(
            Change(
                ChangeKind.section_changed,
                section="organisation",
                items=tuple(_changed_attributes(old.organisation, new.organisation)),
            )
        )
    for section in LIST_SECTIONS:
        items = _section_items(getattr(old, section), getattr(new, section))
        if items:
            changes.append(Change(ChangeKind.section_changed, section=section, items=items))
    before = {activity.id: activity for activity in old.activities}
    after = {activity.id: activity for activity in new.activities}
    for activity in new.activities:
        previous = before.get(activity.id)
        if previous is None:
            changes.append(Change(ChangeKind.activity_added, activity=activity.id))
        else:
            changes.extend(_activity_changes(previous, activity, seen))
    changes.extend(
        Change(ChangeKind.activity_removed, activity=activity.id)
        for activity in old.activities
        if activity.id not in after
    )
    return changes


def _changed_attributes(old: BaseModel, new: BaseModel) -> list[str]:
    return [
        name
        for name in type(new).model_fields
        if name not in _OWN_CHANGES and getattr(old, name) != getattr(new, name)
    ]


def _section_items(old: Sequence[BaseModel], new: Sequence[BaseModel]) -> tuple[str, ...]:
    before = {str(getattr(entry, "id")): entry for entry in old}  # noqa: B009 - every entry has an id
    after = {str(getattr(entry, "id")): entry for entry in new}  # noqa: B009
    items = [f"+{key}" for key in after if key not in before]
    items.extend(f"-{key}" for key in before if key not in after)
    items.extend(f"~{key}" for key in after if key in before and before[key] != after[key])
    return tuple(items)


def _activity_changes(old: Activity, new: Activity, taxonomy: Taxonomy) -> list[Change]:
    changes: list[Change] = []
    attributes = _changed_attributes(old, new)
    if attributes:
        changes.append(
            Change(ChangeKind.activity_changed, activity=new.id, items=tuple(attributes))
        )
    for name, category in new.fields.items():
        was = old.fields.get(name)
        if was is None:
            changes.append(
                Change(ChangeKind.field_added, activity=new.id, field=name, new=category)
            )
        elif was != category:
            changes.append(
                Change(
                    ChangeKind.field_category_changed,
                    activity=new.id,
                    field=name,
                    old=was,
                    new=category,
                    narrowing=not taxonomy.covers(category, was),
                )
            )
    changes.extend(
        Change(ChangeKind.field_removed, activity=new.id, field=name, old=category)
        for name, category in old.fields.items()
        if name not in new.fields
    )
    old_ids, new_ids = set(old.identifiers), set(new.identifiers)
    changes.extend(
        Change(ChangeKind.identifier_added, activity=new.id, field=name)
        for name in new.identifiers
        if name not in old_ids
    )
    changes.extend(
        Change(ChangeKind.identifier_removed, activity=new.id, field=name)
        for name in old.identifiers
        if name not in new_ids
    )
    return changes
