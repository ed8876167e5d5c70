"""Where each value of a register was written: file, line and column."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

Path_: TypeAlias = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a register file; line and column count from 1."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass
class SourceMap:
    """Locations of values and of mapping keys, by their path in the merged register.

    A path is a tuple of keys and list indexes: ``("activities", 2, "retention", "keep")``.
    """

    values: dict[Path_, Location] = field(default_factory=dict)
    keys: dict[Path_, Location] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def value(self, path: Path_) -> Location | None:
        """The location of the value at ``path``, or of the nearest enclosing value."""
        for size in range(len(path), -1, -1):
            found = self.values.get(path[:size])
            if found is not None:
                return found
        return None

    def key(self, path: Path_) -> Location | None:
        """The location of the key that ends ``path`` (falls back to the value's)."""
        return self.keys.get(path) or self.value(path)
