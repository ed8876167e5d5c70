"""The formats: a real PDF with pages and a table of contents, an XLSX laid out like the
Belgian model register, well-formed HTML with its language, Markdown with headings."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from kluis.core.errors import InvalidInput
from kluis.documents import DocumentFormat, render_notice, render_register
from kluis.register.loader import LoadedRegister, load_register
from tests.documents.conftest import FULL, SMALL_NL, TODAY, Load, TagBalance

Render = Callable[..., bytes]

# --- PDF -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def register_pdf(tmp_path_factory: pytest.TempPathFactory) -> PdfReader:
    """The full register as a PDF, in Dutch (rendered once: WeasyPrint takes seconds)."""
    path = tmp_path_factory.mktemp("pdf") / "register.yaml"
    path.write_text(FULL, encoding="utf-8")
    data = render_register(
        load_register(path), format=DocumentFormat.pdf, language="nl", today=TODAY
    )
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def test_pdf_has_the_organisation_and_activities(register_pdf: PdfReader) -> None:
    text = "\n".join(page.extract_text() for page in register_pdf.pages)
    assert "Voorbeeld Consult BV" in text
    assert "Facturatie" in text and "Loonverwerking voor klanten" in text
    assert "Register van de verwerkingsactiviteiten" in text


def test_pdf_has_several_pages_with_running_header_and_page_numbers(
    register_pdf: PdfReader,
) -> None:
    pages = register_pdf.pages
    assert len(pages) >= 5
    last = pages[-1].extract_text()
    assert f"Pagina {len(pages)} van {len(pages)}" in last
    assert "Voorbeeld Consult BV" in pages[2].extract_text()  # the running header


def test_pdf_table_of_contents_gives_page_numbers(register_pdf: PdfReader) -> None:
    toc = register_pdf.pages[1].extract_text()
    assert "Inhoud" in toc
    line = next(line for line in toc.splitlines() if "Facturatie" in line)
    page = int(re.findall(r"(\d+)\s*$", line)[0])
    assert "Facturatie" in register_pdf.pages[page - 1].extract_text()
    assert register_pdf.metadata is not None
    assert (
        register_pdf.metadata.title is not None
        and "Voorbeeld Consult BV" in register_pdf.metadata.title
    )


def test_notice_pdf(full: LoadedRegister) -> None:
    data = render_notice(full, format=DocumentFormat.pdf, language="fr", today=TODAY)
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Déclaration de confidentialité" in text
    assert "Voorbeeld Consult BV" in text


# --- XLSX ------------------------------------------------------------------------------------


def workbook(loaded: LoadedRegister, language: str = "nl") -> Workbook:
    data = render_register(loaded, format=DocumentFormat.xlsx, language=language, today=TODAY)
    assert data[:2] == b"PK"  # a zip container
    return load_workbook(io.BytesIO(data))


def test_xlsx_has_the_model_register_sheets(full: LoadedRegister) -> None:
    book = workbook(full, "nl")
    assert book.sheetnames == [
        "Identificatie",
        "Register van activiteiten",
        "Verwerkersactiviteiten",
        "Verwerkers",
        "Derden",
        "Doorgiften",
    ]
    identification = book["Identificatie"]
    values = [cell.value for row in identification.iter_rows() for cell in row if cell.value]
    assert "Voorbeeld Consult BV" in values and "BE0600995271" in values
    assert any("Dora Dpo" in str(v) for v in values)


def test_xlsx_register_has_one_row_per_activity_and_the_gba_columns(
    full: LoadedRegister,
) -> None:
    sheet = workbook(full, "en")["Register of activities"]
    headers = [cell.value for cell in sheet[1]]
    for column in (
        "Processing number",
        "Processing (business process)",
        "Process owner (roles with access)",
        "Functional description",
        "Purposes of the processing",
        "Legal basis",
        "Type of processing",
        "Categories of personal data",
        "Special categories and criminal data",
        "Categories of data subjects",
        "Recipients",
        "Transfers to third countries and safeguards",
        "Retention period",
        "Technical and organisational security measures",
        "Processors",
        "Status",
        "End date",
        "Replaced by",
    ):
        assert column in headers, column
    controller = [a for a in full.register.activities if a.role.value != "processor"]
    assert sheet.max_row == 1 + len(controller)
    ids = [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)]
    assert ids == [a.id for a in controller]
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref is not None
    assert sheet[1][0].font.bold
    assert sheet.cell(row=2, column=5).alignment.wrap_text
    assert sheet.column_dimensions["D"].width >= 30
    scoring = ids.index("scoring") + 2
    kind = sheet.cell(row=scoring, column=headers.index("Type of processing") + 1).value
    assert "Automated decisions" in kind


def test_xlsx_processor_activities_and_processors(full: LoadedRegister) -> None:
    book = workbook(full, "en")
    processing = book["Processor activities"]
    assert processing.max_row == 2
    row = [cell.value for cell in processing[2]]
    assert "client-payroll" in row and any("Klant Industries NV" in str(v) for v in row)
    processors = book["Processors"]
    assert processors.cell(row=2, column=1).value == "CloudCRM Inc."
    transfers = book["Transfers"]
    assert transfers.cell(row=2, column=1).value == "United States"


# --- HTML and Markdown -----------------------------------------------------------------------


@pytest.mark.parametrize("render", [render_register, render_notice])
@pytest.mark.parametrize("language", ["nl", "en", "fr"])
def test_html_is_well_formed_and_has_its_language(
    full: LoadedRegister, render: Render, language: str
) -> None:
    page = render(full, format=DocumentFormat.html, language=language, today=TODAY)
    text = page.decode("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    checker = TagBalance()
    checker.feed(text)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    assert checker.html_lang == language
    assert "{{" not in text and "{%" not in text


def test_html_escapes_register_texts(load: Load) -> None:
    loaded = load(SMALL_NL.replace("name: Klein Bedrijf BV", "name: Klein <b>Bedrijf</b> & Co"))
    page = render_notice(loaded, format=DocumentFormat.html, language="nl", today=TODAY).decode()
    assert "Klein &lt;b&gt;Bedrijf&lt;/b&gt; &amp; Co" in page
    assert "<b>Bedrijf</b>" not in page


@pytest.mark.parametrize("language", ["nl", "en", "fr"])
def test_markdown_has_headings(full: LoadedRegister, language: str) -> None:
    register = render_register(full, format=DocumentFormat.md, language=language, today=TODAY)
    lines = register.decode("utf-8").splitlines()
    assert lines[0].startswith("# ")
    assert sum(line.startswith("## ") for line in lines) >= 8
    names = [a.name[language] for a in full.register.activities]
    headings = [line for line in lines if line.startswith("### ")]
    assert all(any(name in h for h in headings) for name in names)
    notice = render_notice(full, format=DocumentFormat.md, language=language, today=TODAY)
    text = notice.decode("utf-8")
    assert text.startswith("# ")
    assert "\n## " in text and "\n### " in text
    assert "{{" not in text and "{%" not in text


def test_markdown_tables_survive_pipes_in_texts(load: Load) -> None:
    loaded = load(SMALL_NL.replace("name: Salarisadministratie", "name: Salaris | loon"))
    text = render_register(loaded, format=DocumentFormat.md, language="nl", today=TODAY).decode()
    assert "Salaris \\| loon" in text


# --- the public surface ----------------------------------------------------------------------


def test_notice_is_not_a_spreadsheet(full: LoadedRegister) -> None:
    with pytest.raises(InvalidInput):
        render_notice(full, format=DocumentFormat.xlsx, language="nl", today=TODAY)


def test_unknown_language_and_format_are_invalid_input(full: LoadedRegister) -> None:
    with pytest.raises(InvalidInput):
        render_register(full, format=DocumentFormat.html, language="de", today=TODAY)
    with pytest.raises(InvalidInput):
        render_register(full, format="docx", language="nl", today=TODAY)  # type: ignore[arg-type]


def test_rendering_is_reproducible(full: LoadedRegister) -> None:
    first = render_register(full, format=DocumentFormat.html, language="nl", today=TODAY)
    assert first == render_register(full, format=DocumentFormat.html, language="nl", today=TODAY)
    assert b"22 november 2025" in first
