"""What several check modules need: which activities to look at, the data categories an
activity processes and where each is written, and lists of values for messages.

Pure helpers over the register models; no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal

from kluis.i18n import LocalText
from kluis.register.checks.base import Context
from kluis.register.schema import Activity, ActivityRole, LegalBasis, Register
from kluis.register.source import Path_

#: The flags the taxonomy puts on categories: Art. 9, Art. 10, national numbers.
Flag = Literal["special", "criminal", "national_id"]


def activity_path(index: int, *rest: str | int) -> Path_:
    """The path of activity ``index`` in the register, or of a value inside it."""
    return ("activities", index, *rest)


def controller_activities(register: Register) -> Iterator[tuple[int, Activity]]:
    """Activities the organisation decides on itself (alone or jointly): Art. 30(1)."""
    for index, activity in enumerate(register.activities):
        if activity.role is not ActivityRole.processor:
            yield index, activity


def basis_is(activity: Activity, *bases: LegalBasis) -> bool:
    """Whether the activity's Art. 6 basis is one of ``bases``."""
    return activity.legal_basis is not None and activity.legal_basis.basis in bases


def category_entries(index: int, activity: Activity) -> list[tuple[Path_, str]]:
    """Every data category the activity names (declared, then in fields), with its path."""
    entries: list[tuple[Path_, str]] = [
        (activity_path(index, "data_categories", position), category)
        for position, category in enumerate(activity.data_categories)
    ]
    entries.extend(
        (activity_path(index, "fields", name), category)
        for name, category in activity.fields.items()
    )
    return entries


def flagged(
    context: Context, index: int, activity: Activity, flag: Flag
) -> list[tuple[Path_, str]]:
    """The activity's categories that carry ``flag`` (each id once), with where it is written."""
    seen: set[str] = set()
    found: list[tuple[Path_, str]] = []
    for path, category in category_entries(index, activity):
        if category not in seen and context.taxonomy.has_flag(category, flag):
            seen.add(category)
            found.append((path, category))
    return found


def has_flag(context: Context, activity: Activity, flag: Flag) -> bool:
    """Whether any category the activity names carries ``flag``."""
    categories = [*activity.data_categories, *activity.fields.values()]
    return any(context.taxonomy.has_flag(category, flag) for category in categories)


def activity_processors(register: Register, activity: Activity) -> list[str]:
    """Processors the activity uses: those running its systems and those among its recipients."""
    systems = {system.id: system for system in register.systems}
    processor_ids = {processor.id for processor in register.processors}
    used = [systems[s].processor for s in activity.systems if s in systems]
    used.extend(r for r in activity.recipients if r in processor_ids)
    return list(dict.fromkeys(p for p in used if p is not None))


def ids(values: Sequence[str], limit: int = 5) -> str:
    """Ids for a message: ``a, b, c`` (at most ``limit``, then an ellipsis)."""
    shown = ", ".join(values[:limit])
    return f"{shown}, …" if len(values) > limit else shown


def listing(items: Sequence[LocalText]) -> LocalText:
    """Texts to translate, joined by commas into one parameter of a message."""
    params = {f"item{position}": item for position, item in enumerate(items)}
    layout = ", ".join("{" + name + "}" for name in params)
    return LocalText("checks", layout, dict(params))


def text(message: str, **params: object) -> LocalText:
    """A part of a message (an English msgid of ``checks``) translated with the message."""
    return LocalText("checks", message, params)
