"""Kluis's own data files read with the C parser give what the Python parser gives."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from kluis.register.builtin import builtin_yaml


@pytest.mark.parametrize("name", ["taxonomy.yaml", "law.yaml"])
def test_the_fast_reader_reads_the_same(name: str) -> None:
    text = resources.files("kluis.register").joinpath("data", name).read_text("utf-8")
    assert builtin_yaml(text) == yaml.safe_load(text)
