"""Reading YAML into plain values while remembering where each value and key was written.

The resolver follows YAML 1.2's core schema rather than PyYAML's YAML 1.1 defaults, so
that ``country: NO`` stays Norway instead of becoming ``False``, ``on``/``off`` stay words,
and numbers with a leading zero (``0600995271``) stay strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kluis.register.source import Location, Path_, SourceMap


class _Loader(yaml.SafeLoader):
    """A safe loader whose implicit types are YAML 1.2's core schema, plus ISO dates."""

    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:timestamp", re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), list("0123456789")
)


@dataclass(frozen=True)
class YamlProblem:
    """Something wrong in the YAML itself, before any meaning is given to it."""

    kind: str  # "syntax" | "duplicate_key" | "not_a_mapping" | "empty" | "multiple_documents"
    location: Location
    detail: str = ""  # a key name or the parser's own words; never a value
    first: Location | None = None  # for a duplicate key: where it was first written


@dataclass
class YamlDocument:
    """One file's top-level mapping, with the locations of everything in it."""

    data: dict[str, Any]
    source: SourceMap = field(default_factory=SourceMap)


def _location(file: str, node: Node) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, file: str, source: SourceMap, problems: list[YamlProblem]) -> None:
        self.file = file
        self.source = source
        self.problems = problems
        self.constructor = SafeConstructor()

    def build(self, node: Node, path: Path_) -> Any:
        self.source.values[path] = _location(self.file, node)
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: MappingNode, path: Path_) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self._scalar(key_node) if isinstance(key_node, ScalarNode) else None
            if key is None or isinstance(key, (list, dict)):
                self.problems.append(YamlProblem("bad_key", _location(self.file, key_node)))
                continue
            key = str(key)
            key_path = (*path, key)
            if key in result:
                self.problems.append(
                    YamlProblem(
                        "duplicate_key",
                        _location(self.file, key_node),
                        key,
                        first=self.source.keys.get(key_path),
                    )
                )
                continue
            self.source.keys[key_path] = _location(self.file, key_node)
            result[key] = self.build(value_node, key_path)
        return result

    def _scalar(self, node: Node) -> Any:
        if not isinstance(node, ScalarNode):
            return None
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ConstructorError, ValueError):
            # An impossible date such as 2024-02-30 stays text; the model says what is wrong.
            return str(node.value)


def read_yaml(text: str, file: str) -> tuple[YamlDocument | None, list[YamlProblem]]:
    """Parse ``text`` (the contents of ``file``) into a mapping with its locations."""
    problems: list[YamlProblem] = []
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        detail = " ".join(part for part in (error.context, error.problem) if part)
        return None, [YamlProblem("syntax", Location(file, line, column), detail)]
    except yaml.YAMLError as error:  # a reader error: bad bytes, no position
        return None, [YamlProblem("syntax", Location(file, 1, 1), type(error).__name__)]
    nodes = [node for node in nodes if node is not None]
    if not nodes:
        return None, [YamlProblem("empty", Location(file, 1, 1))]
    if len(nodes) > 1:
        problems.append(YamlProblem("multiple_documents", _location(file, nodes[1])))
    root = nodes[0]
    if not isinstance(root, MappingNode):
        return None, [YamlProblem("not_a_mapping", _location(file, root))]
    source = SourceMap(files=[file])
    data = _Builder(file, source, problems).build(root, ())
    return YamlDocument(data, source), problems
