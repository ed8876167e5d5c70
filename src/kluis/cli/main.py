"""The ``kluis`` command: entry point and the commands about the register."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from rich.markup import escape

from kluis import __version__
from kluis.cli import (
    audit,
    backup,
    consent,
    demo,
    importing,
    keys,
    register_apply,
    requests,
    retention,
    serve,
    subjects,
    users,
)
from kluis.cli.console import domain_errors, err, fail, language, out, t
from kluis.cli.console import progress as console_progress
from kluis.cli.options import parse_day
from kluis.documents import DocumentFormat, publication, render_notice, render_register
from kluis.i18n import LANGUAGES, N_
from kluis.register.checks.base import Finding, Severity
from kluis.register.checks.catalogue import NOTICE_CODES
from kluis.register.checks.runner import all_checks, run_checks, sort_findings
from kluis.register.loader import LoadedRegister, read_register
from kluis.register.report import findings_as_json, findings_as_sarif

TEMPLATES: Final = ("recruitment_agency", "consultancy", "ict_staffing", "membership_network")
_STYLE = {Severity.error: "bold red", Severity.warning: "yellow", Severity.info: "cyan"}
_SEVERITY = {
    Severity.error: N_("error"),
    Severity.warning: N_("warning"),
    Severity.info: N_("info"),
}


class LintFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


class NoticeFormat(StrEnum):
    pdf = "pdf"
    html = "html"
    md = "md"


PathArg = Annotated[
    Path, typer.Argument(help=N_("A register YAML file, or a folder of YAML files."))
]
LangOpt = Annotated[
    str | None,
    typer.Option("--lang", help=N_("Language of messages and documents: nl, en or fr.")),
]
OutOpt = Annotated[Path | None, typer.Option("-o", "--output", help=N_("Write to this file."))]
AtOpt = Annotated[
    str | None,
    typer.Option(
        "--at", help=N_("Check or date the document as on this ISO date (default: today).")
    ),
]


def _on(at: str | None, lang: str) -> date:
    """The day to check as on: ``--at`` or today."""
    return parse_day(at, lang) or date.today()


def _check_lang(lang: str | None) -> None:
    if lang is not None and lang not in LANGUAGES:
        fail(
            language(None),
            N_("unknown language '{lang}'; choose one of {choices}"),
            2,
            lang=lang,
            choices=", ".join(LANGUAGES),
        )


def _start(lang: str | None, at: str | None) -> tuple[str, date]:
    """The language of messages and the day of the check, from ``--lang`` and ``--at``."""
    _check_lang(lang)
    messages = language(lang)
    return messages, _on(at, messages)


def _print_findings(findings: list[Finding], lang: str) -> None:
    console = out()
    for finding in findings:
        where = str(finding.location) if finding.location else "-"
        label = t(lang, _SEVERITY[finding.severity])
        console.print(
            f"{escape(where)}: [{_STYLE[finding.severity]}]{label}[/] [bold]{finding.code}[/] "
            f"{escape(finding.message(lang))} [dim]({escape(finding.article)})[/]"
        )
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    if not findings:
        clean = t(lang, N_("No findings: the register is clean."))
        console.print(f"[green]{escape(clean)}[/]")
        return
    console.print(
        t(
            lang,
            N_("{errors} error(s), {warnings} warning(s), {infos} info"),
            errors=counts[Severity.error],
            warnings=counts[Severity.warning],
            infos=counts[Severity.info],
        )
    )


def _emit(findings: list[Finding], fmt: LintFormat, lang: str, output: Path | None) -> None:
    if fmt is LintFormat.text and output is None:
        _print_findings(findings, lang)
        return
    if fmt is LintFormat.json:
        text = json.dumps(findings_as_json(findings, lang), ensure_ascii=False, indent=2)
    elif fmt is LintFormat.sarif:
        text = json.dumps(
            findings_as_sarif(findings, all_checks(), lang), ensure_ascii=False, indent=2
        )
    else:
        text = "\n".join(
            f"{f.location or '-'}: {f.severity.value} {f.code} {f.message(lang)} ({f.article})"
            for f in findings
        )
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")


def _load_or_exit(path: Path, fmt: LintFormat, lang: str, output: Path | None) -> LoadedRegister:
    loaded, findings = read_register(path)
    if loaded is None:
        _emit(findings, fmt, lang, output)
        raise typer.Exit(1)
    return loaded


def lint(
    path: PathArg,
    format: Annotated[
        LintFormat, typer.Option("--format", "-f", help=N_("Output format."))
    ] = LintFormat.text,
    lang: LangOpt = None,
    output: OutOpt = None,
    at: AtOpt = None,
) -> None:
    """Check the register against the GDPR and Belgian and Dutch law; exit 1 on errors."""
    lang, today = _start(lang, at)
    loaded, loader_findings = read_register(path)
    findings = loader_findings
    if loaded is not None:
        findings = sort_findings([*loader_findings, *run_checks(loaded, today=today)])
    _emit(findings, format, lang, output)
    if loaded is None or any(f.severity is Severity.error for f in findings):
        raise typer.Exit(1)


def _write_document(data: bytes, output: Path | None, lang: str) -> None:
    if output is None:
        typer.echo(data.decode("utf-8"), nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    err().print(t(lang, N_("Written: {path}"), path=str(output)))


def _require_output(fmt: str, output: Path | None, lang: str) -> None:
    if fmt in ("pdf", "xlsx") and output is None:
        fail(lang, N_("a {format} document is binary: name a file with -o"), 2, format=fmt.upper())


def render(
    path: PathArg,
    format: Annotated[
        DocumentFormat, typer.Option("--format", "-f", help=N_("Document format."))
    ] = DocumentFormat.pdf,
    lang: LangOpt = None,
    output: OutOpt = None,
    at: AtOpt = None,
) -> None:
    """Render the Art. 30 register (controller and processor parts) as PDF, HTML, XLSX or Markdown."""
    messages, today = _start(lang, at)
    _require_output(format.value, output, messages)
    loaded = _load_or_exit(path, LintFormat.text, messages, None)
    doc_lang = lang or loaded.register.organisation.first_language
    with domain_errors(messages):
        data = render_register(loaded, format=format, language=doc_lang, today=today)
    _write_document(data, output, messages)


def notice(
    path: PathArg,
    format: Annotated[
        NoticeFormat, typer.Option("--format", "-f", help=N_("Document format."))
    ] = NoticeFormat.html,
    lang: LangOpt = None,
    output: OutOpt = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help=N_("Only report what the notice needs that the register lacks.")
        ),
    ] = False,
    at: AtOpt = None,
) -> None:
    """Render the privacy notice (Art. 13 and 14 GDPR) from the register."""
    messages, today = _start(lang, at)
    loaded = _load_or_exit(path, LintFormat.text, messages, None)
    if check:
        findings = [f for f in run_checks(loaded, today=today) if f.code in NOTICE_CODES]
        _print_findings(findings, messages)
        if any(f.severity is Severity.error for f in findings):
            raise typer.Exit(1)
        return
    _require_output(format.value, output, messages)
    doc_lang = lang or loaded.register.organisation.first_language
    with domain_errors(messages):
        data = render_notice(
            loaded, format=DocumentFormat(format.value), language=doc_lang, today=today
        )
    _write_document(data, output, messages)


def publish(
    path: PathArg,
    output: Annotated[
        Path, typer.Option("-o", "--output", help=N_("The folder to write the documents to."))
    ],
    lang: LangOpt = None,
    at: AtOpt = None,
) -> None:
    """Write every document of the register into a folder, in each language of the organisation."""
    messages, today = _start(lang, at)
    loaded = _load_or_exit(path, LintFormat.text, messages, None)
    findings = run_checks(loaded, today=today)
    jobs = publication(loaded)
    output.mkdir(parents=True, exist_ok=True)
    (output / "findings.sarif").write_text(
        json.dumps(
            findings_as_sarif(findings, all_checks(), messages), ensure_ascii=False, indent=2
        ),
        encoding="utf-8",
    )
    with (
        domain_errors(messages),
        console_progress() as progress,
    ):  # fmt: skip
        task = progress.add_task(t(messages, N_("Rendering")), total=len(jobs))
        for job in jobs:
            progress.update(task, description=job.name)
            render = render_notice if job.notice else render_register
            data = render(loaded, format=job.format, language=job.language, today=today)
            (output / job.name).write_bytes(data)
            progress.advance(task)
    out().print(
        t(messages, N_("{count} documents written to {path}"), count=len(jobs), path=str(output))
    )
    for job in jobs:
        out().print(f"  {escape(str(output / job.name))}")


def new(
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            "-t",
            help=N_(
                "A sector template: recruitment_agency, consultancy, ict_staffing or membership_network."
            ),
        ),
    ] = None,
    output: Annotated[Path, typer.Argument(help=N_("Where to write the register."))] = Path(
        "register.yaml"
    ),
    force: Annotated[bool, typer.Option("--force", help=N_("Overwrite an existing file."))] = False,
    lang: LangOpt = None,
) -> None:
    """Start a register from a sector template, to edit and then check with `kluis register lint`."""
    messages = language(lang)
    if template is None:
        out().print(t(messages, N_("Templates: {names}"), names=", ".join(TEMPLATES)))
        return
    if template not in TEMPLATES:
        fail(
            messages,
            N_("unknown template '{name}'; choose one of {choices}"),
            2,
            name=template,
            choices=", ".join(TEMPLATES),
        )
    if output.exists() and not force:
        fail(
            messages, N_("{path} exists already; use --force to overwrite it"), 4, path=str(output)
        )
    source = resources.files("kluis.register").joinpath("templates").joinpath(f"{template}.yaml")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(source.read_text("utf-8"), encoding="utf-8")
    out().print(
        t(
            messages,
            N_("Written: {path}. Edit the lines marked EDIT, then run: kluis register lint {path}"),
            path=str(output),
        )
    )


def version() -> None:
    """Print the version of Kluis."""
    out().print(f"kluis {__version__}")


def build_app(lang: str) -> typer.Typer:
    """The command with its help texts in ``lang``."""
    app = typer.Typer(
        name="kluis",
        help=t(
            lang,
            N_("Kluis: the register of processing activities as the policy (GDPR / AVG / RGPD)."),
        ),
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
    )
    register_app = typer.Typer(
        help=t(lang, N_("Check and render the register of processing activities.")),
        no_args_is_help=True,
    )
    app.add_typer(register_app, name="register")
    register_app.command(
        "lint",
        help=t(
            lang,
            N_("Check the register against the GDPR and Belgian and Dutch law; exit 1 on errors."),
        ),
    )(lint)
    register_app.command(
        "render",
        help=t(
            lang,
            N_(
                "Render the Art. 30 register (controller and processor parts) as PDF, HTML, XLSX or Markdown."
            ),
        ),
    )(render)
    app.command(
        "notice",
        help=t(lang, N_("Render the privacy notice (Art. 13 and 14 GDPR) from the register.")),
    )(notice)
    register_app.command(
        "publish",
        help=t(
            lang,
            N_(
                "Write the register and the privacy notice in every format and in each language of the organisation into a folder."
            ),
        ),
    )(publish)
    register_app.command(
        "new",
        help=t(
            lang,
            N_(
                "Start a register from a sector template, to edit and then check with 'kluis register lint'."
            ),
        ),
    )(new)
    app.command("version", help=t(lang, N_("Print the version of Kluis.")))(version)
    register_apply.add_to(register_app, lang)
    users.add_to(app, lang)
    subjects.add_to(app, lang)
    audit.add_to(app, lang)
    importing.add_to(app, lang)
    keys.add_to(app, lang)
    backup.add_to(app, lang)
    retention.add_to(app, lang)
    consent.add_to(app, lang)
    requests.add_to(app, lang)
    serve.add_to(app, lang)
    demo.add_to(app, lang)
    return app


def _translate_help(command: Any, lang: str) -> None:
    """Translate the help of every option and argument, which Typer reads in English.

    Typer builds click objects of its own (it vendors click), so they are walked by their
    attributes rather than by click's classes.
    """
    for param in getattr(command, "params", ()):
        text = getattr(param, "help", None)
        if isinstance(text, str):
            param.help = t(lang, text)
    for sub in getattr(command, "commands", {}).values():
        _translate_help(sub, lang)


def command(lang: str) -> Any:
    """The ``kluis`` command, ready to call, with every help text in ``lang``."""
    built = typer.main.get_command(build_app(lang))
    _translate_help(built, lang)
    return built


def run() -> None:
    """Entry point of the ``kluis`` command."""
    command(language(None))()
