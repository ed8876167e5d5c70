"""Reading YAML with locations and YAML 1.2 core types."""

from __future__ import annotations

import datetime

from kluis.register.yaml_source import read_yaml


def test_values_and_keys_have_one_based_locations() -> None:
    document, problems = read_yaml("a: 1\nb:\n  - x\n  - {c: 2}\n", "f.yaml")
    assert problems == []
    assert document is not None
    assert document.data == {"a": 1, "b": ["x", {"c": 2}]}
    source = document.source
    assert (source.keys[("b",)].line, source.keys[("b",)].column) == (2, 1)
    assert (source.values[("b", 1)].line, source.values[("b", 1)].column) == (4, 5)
    assert source.keys[("b", 1, "c")].line == 4


def test_norway_and_yes_stay_words_and_leading_zeros_stay_text() -> None:
    document, _ = read_yaml("country: NO\nflag: yes\nnumber: 0600995271\nn: 12\n", "f.yaml")
    assert document is not None
    assert document.data == {"country": "NO", "flag": "yes", "number": "0600995271", "n": 12}


def test_iso_dates_become_dates_and_impossible_ones_stay_text() -> None:
    document, _ = read_yaml("a: 2024-05-01\nb: 2024-02-30\nc: 12-31\n", "f.yaml")
    assert document is not None
    assert document.data == {"a": datetime.date(2024, 5, 1), "b": "2024-02-30", "c": "12-31"}


def test_duplicate_key_is_reported_with_both_lines() -> None:
    _, problems = read_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert [(p.kind, p.detail, p.location.line) for p in problems] == [("duplicate_key", "a", 3)]
    assert problems[0].first is not None
    assert problems[0].first.line == 1


def test_syntax_error_has_a_line() -> None:
    document, problems = read_yaml("a: 1\nb: [1, 2\nc: 3\n", "f.yaml")
    assert document is None
    assert problems[0].kind == "syntax"
    assert problems[0].location.line >= 2


def test_top_level_must_be_a_mapping_and_not_empty() -> None:
    assert read_yaml("- a\n- b\n", "f.yaml")[1][0].kind == "not_a_mapping"
    assert read_yaml("# only a comment\n", "f.yaml")[1][0].kind == "empty"
