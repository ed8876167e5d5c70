"""The `kluis` command: exit statuses, output formats and files written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kluis.cli.main import TEMPLATES, build_app, command
from tests.conftest import MINIMAL

Write = Callable[..., Path]
runner = CliRunner()


def invoke(*args: str, lang: str = "en") -> tuple[int, str, str]:
    result = runner.invoke(build_app(lang), [*args])
    return result.exit_code, result.stdout, result.stderr


def test_lint_clean_register_exits_zero(write_register: Write) -> None:
    code, stdout, _ = invoke("register", "lint", str(write_register(MINIMAL)))
    assert code == 0, stdout
    assert "error" not in stdout.lower().replace("0 error", "")


def test_lint_broken_register_exits_one_with_json_findings(write_register: Write) -> None:
    path = write_register(MINIMAL.replace("keep: P7Y", "keep: P7X"))
    code, stdout, _ = invoke("register", "lint", str(path), "--format", "json")
    assert code == 1
    findings = json.loads(stdout)
    assert [(f["code"], f["severity"], f["line"]) for f in findings] == [("KL007", "error", 26)]
    assert set(findings[0]) >= {"code", "severity", "article", "message", "file", "line"}


def test_lint_text_output_in_dutch(write_register: Write) -> None:
    path = write_register(MINIMAL.replace("keep: P7Y", "keep: P7X"))
    code, stdout, _ = invoke("register", "lint", str(path), "--lang", "nl")
    assert code == 1
    assert "is geen ISO 8601-duur" in stdout
    assert "register.yaml:26:" in stdout


def test_lint_sarif_points_at_the_yaml_line(write_register: Write, tmp_path: Path) -> None:
    path = write_register(MINIMAL.replace("access: [management]", "access: [nobody]"))
    target = tmp_path / "out.sarif"
    code, _, _ = invoke("register", "lint", str(path), "--format", "sarif", "-o", str(target))
    assert code == 1
    sarif = json.loads(target.read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    [result] = sarif["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (result["ruleId"], result["level"], region["startLine"]) == ("KL013", "error", 27)
    rules = {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "KL013" in rules
    assert len(rules) > 20  # every check is described, not only those that fired


def test_unknown_language_is_refused(write_register: Write) -> None:
    code, _, stderr = invoke("register", "lint", str(write_register(MINIMAL)), "--lang", "de")
    assert code == 2
    assert "unknown language" in stderr


def test_render_writes_the_documents(write_register: Write, tmp_path: Path) -> None:
    path = write_register(MINIMAL)
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("html", b"<!DOCTYPE html")):
        target = tmp_path / f"register.{fmt}"
        code, _, _ = invoke("register", "render", str(path), "--format", fmt, "-o", str(target))
        assert code == 0
        assert target.read_bytes()[:20].upper().startswith(magic.upper())


def test_binary_formats_need_a_file(write_register: Write) -> None:
    code, _, stderr = invoke("register", "render", str(write_register(MINIMAL)), "--format", "pdf")
    assert code == 2
    assert "-o" in stderr


def test_notice_markdown_to_stdout_in_the_first_language(write_register: Write) -> None:
    code, stdout, _ = invoke("notice", str(write_register(MINIMAL)), "--format", "md")
    assert code == 0
    assert "Testbedrijf BV" in stdout
    assert "Facturatie" in stdout  # the register's first language is Dutch


def test_notice_check_reports_only_what_the_notice_lacks(write_register: Write) -> None:
    code, stdout, _ = invoke("notice", str(write_register(MINIMAL)), "--check")
    assert code == 0  # warnings only
    assert "KL106" in stdout  # recipients not said: the notice must name them
    assert "KL801" not in stdout
    text = MINIMAL.replace("  rights_requests:\n    email: privacy@example.be\n", "")
    text += (
        "processors:\n"
        "  - {id: host, name: Host NV, country: BE}\n"  # no agreement: KL501, not the notice's
    )
    code, stdout, _ = invoke("notice", str(write_register(text)), "--check")
    assert "KL801" in stdout
    assert "KL501" not in stdout


@pytest.mark.parametrize("template", TEMPLATES)
def test_init_writes_a_template_that_lints_without_errors(template: str, tmp_path: Path) -> None:
    target = tmp_path / template / "register.yaml"
    code, _, _ = invoke("register", "new", "--template", template, str(target))
    assert code == 0
    assert target.exists()
    # A fixed day, so that dated facts in the templates (a DPF check) do not age the test.
    code, stdout, _ = invoke(
        "register", "lint", str(target), "--format", "json", "--at", "2026-11-22"
    )
    errors = [f for f in json.loads(stdout) if f["severity"] == "error"]
    assert errors == []
    assert code == 0


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "register.yaml"
    target.write_text("mine", encoding="utf-8")
    code, _, stderr = invoke("register", "new", "--template", "consultancy", str(target))
    assert code == 4
    assert "exists" in stderr
    assert target.read_text(encoding="utf-8") == "mine"


def test_init_refuses_an_unknown_template(tmp_path: Path) -> None:
    code, _, stderr = invoke("register", "new", "--template", "bakery", str(tmp_path / "r.yaml"))
    assert code == 2
    assert "consultancy" in stderr


def test_at_sets_the_day_of_the_check(write_register: Write) -> None:
    text = MINIMAL + (
        "processors:\n"
        "  - id: host\n"
        "    name: Host NV\n"
        "    country: BE\n"
        "    agreement: {signed: 2020-01-01, expires: 2025-01-01}\n"
    )
    path = str(write_register(text))
    _, before, _ = invoke("register", "lint", path, "--format", "json", "--at", "2024-06-01")
    _, after, _ = invoke("register", "lint", path, "--format", "json", "--at", "2025-06-01")
    assert "KL502" not in {f["code"] for f in json.loads(before)}
    assert "KL502" in {f["code"] for f in json.loads(after)}
    code, _, stderr = invoke("register", "lint", path, "--at", "yesterday")
    assert code == 2
    assert "ISO date" in stderr


def test_publish_writes_every_document_in_each_language(
    write_register: Write, tmp_path: Path
) -> None:
    target = tmp_path / "published"
    code, stdout, _ = invoke("register", "publish", str(write_register(MINIMAL)), "-o", str(target))
    assert code == 0
    names = sorted(p.name for p in target.iterdir())
    expected = {"register.xlsx", "findings.sarif"} | {
        f"{kind}-{lang}.{fmt}"
        for kind in ("register", "notice")
        for lang in ("nl", "en")
        for fmt in ("pdf", "html", "md")
    }
    assert set(names) == expected
    assert (target / "notice-en.html").read_text(encoding="utf-8").count("Invoicing") >= 1
    assert "13 documents written" in stdout


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("nl", "Uitvoerformaat."), ("en", "Output format."), ("fr", "Format de sortie.")],
)
def test_option_help_is_in_the_reader_s_language(lang: str, expected: str) -> None:
    lint = command(lang).commands["register"].commands["lint"]
    helps = {param.name: param.help for param in lint.params}
    assert helps["format"] == expected
