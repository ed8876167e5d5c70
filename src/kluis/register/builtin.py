"""Reading the data files Kluis ships (the taxonomy, the law): with libyaml's C parser when
PyYAML has it, ten times faster than the pure-Python one on the 3,000-line taxonomy, which
every command that reads a register loads once."""

from __future__ import annotations

from typing import Any

import yaml

#: The fastest safe loader available; both read the same YAML 1.1 into the same values.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def builtin_yaml(text: str) -> Any:
    """The data of one of Kluis's own YAML files."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python


__all__ = ["builtin_yaml"]
