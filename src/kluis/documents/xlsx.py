"""The register as an XLSX workbook laid out like the Belgian model register (GBA/APD).

Sheets: identification of the controller; the register, one row per activity (Art. 30(1));
the processor activities (Art. 30(2)); processors; third parties; transfers. Columns with
a red header hold what Art. 30 requires, as the red columns of the model register do; the
others complete it. ``docs/documents.md`` maps each column to the model register.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kluis.documents.language import Lang
from kluis.documents.register_view import ActivityView, PartyUse, RegisterView
from kluis.documents.transfers import TransferView
from kluis.i18n import N_

_REQUIRED_FILL: Final = PatternFill("solid", fgColor="B91C1C")
_OTHER_FILL: Final = PatternFill("solid", fgColor="1E3A5F")
_LABEL_FILL: Final = PatternFill("solid", fgColor="E8EEF6")
_HEADER_FONT: Final = Font(bold=True, color="FFFFFF")
_WRAP: Final = Alignment(wrap_text=True, vertical="top")
_HEADER_ALIGN: Final = Alignment(wrap_text=True, vertical="center")
_RULE: Final = Border(bottom=Side(style="thin", color="D1D5DB"))
_LEGEND: Final = N_(
    "Columns with a red header hold what Article 30 GDPR requires; the others complete the register."
)


@dataclass(frozen=True)
class Column:
    """A column: its header (a msgid), width, whether Art. 30 requires it, and its value."""

    header: str
    width: int
    required: bool
    value: Callable[[ActivityView], str]


def _lines(items: Sequence[str]) -> str:
    return "\n".join(item for item in items if item)


def _transfers(lang: Lang, transfers: Sequence[TransferView]) -> str:
    return _lines([lang.labelled(f"{t.country} ({t.recipient})", t.mechanism) for t in transfers])


def _basis(lang: Lang, activity: ActivityView) -> str:
    return _lines(
        [
            activity.legal_basis,
            *(lang.labelled(d.label, d.text) for d in activity.legal_basis_details),
        ]
    )


def _special(lang: Lang, activity: ActivityView) -> str:
    flagged = [c.label for c in activity.categories if c.special or c.criminal or c.national_id]
    details = [
        lang.labelled(d.label, d.text)
        for d in (*activity.special_details, *activity.national_number)
    ]
    return _lines([*flagged, activity.special_condition, *details])


def _kind(lang: Lang, activity: ActivityView) -> str:
    kinds = []
    if any(c.special for c in activity.categories):
        kinds.append(lang.gettext("Special categories of personal data (Art. 9)"))
    if any(c.criminal for c in activity.categories):
        kinds.append(lang.gettext("Criminal convictions and offences data (Art. 10)"))
    if any(c.national_id for c in activity.categories):
        kinds.append(lang.gettext("National identification number"))
    if activity.automated_decisions:
        kinds.append(lang.gettext("Automated decisions (Art. 22)"))
    return _lines(kinds) or lang.gettext("Normal")


def _register_columns(lang: Lang) -> list[Column]:
    """The columns of the register sheet, in the order of the model register."""
    return [
        Column(N_("Processing number"), 14, False, lambda a: a.id),
        Column(N_("Processing (business process)"), 28, True, lambda a: a.name),
        Column(N_("Process owner (roles with access)"), 22, False, lambda a: _lines(a.access)),
        Column(N_("Functional description"), 40, False, lambda a: a.description),
        Column(N_("Purposes of the processing"), 40, True, lambda a: _lines(a.purposes)),
        Column(N_("Legal basis"), 36, False, lambda a: _basis(lang, a)),
        Column(N_("Type of processing"), 22, False, lambda a: _kind(lang, a)),
        Column(
            N_("Categories of personal data"),
            36,
            True,
            lambda a: _lines([c.label for c in a.categories]),
        ),
        Column(N_("Special categories and criminal data"), 30, False, lambda a: _special(lang, a)),
        Column(N_("Categories of data subjects"), 24, True, lambda a: _lines(a.subjects)),
        Column(N_("Source"), 24, False, lambda a: _lines([*a.sources, a.source_description])),
        Column(
            N_("Recipients"),
            32,
            True,
            lambda a: _lines([f"{p.name} ({p.kind}, {p.country})" for p in a.recipients]),
        ),
        Column(
            N_("Transfers to third countries and safeguards"),
            36,
            True,
            lambda a: _transfers(lang, a.transfers),
        ),
        Column(
            N_("Retention period"), 36, True, lambda a: _lines([a.retention, a.retention_basis])
        ),
        Column(
            N_("Technical and organisational security measures"),
            32,
            True,
            lambda a: _lines([m.label for m in a.security]),
        ),
        Column(
            N_("Processors"),
            26,
            False,
            lambda a: _lines([p.name for p in a.recipients if p.processor]),
        ),
        Column(N_("Systems"), 24, False, lambda a: _lines([s.name for s in a.systems])),
        Column(
            N_("Automated decisions"),
            26,
            False,
            lambda a: _lines([lang.labelled(d.label, d.text) for d in a.automated_decisions]),
        ),
        Column(N_("Data protection impact assessment"), 24, False, lambda a: a.dpia),
        Column(N_("Status"), 12, False, lambda a: a.status),
        Column(N_("End date"), 14, False, lambda a: a.ended),
        Column(N_("Replaced by"), 22, False, lambda a: a.replaced_by),
    ]


def _processor_columns(lang: Lang) -> list[Column]:
    """The columns of the processor activities sheet (Art. 30(2))."""
    return [
        Column(N_("Processing number"), 14, False, lambda a: a.id),
        Column(N_("Processing"), 28, True, lambda a: a.name),
        Column(
            N_("Controller"),
            30,
            True,
            lambda a: _lines([a.controller.name, a.controller.email]) if a.controller else "",
        ),
        Column(
            N_("Categories of processing"), 44, True, lambda a: _lines([a.description, *a.purposes])
        ),
        Column(N_("Categories of data subjects"), 24, False, lambda a: _lines(a.subjects)),
        Column(
            N_("Categories of personal data"),
            36,
            False,
            lambda a: _lines([c.label for c in a.categories]),
        ),
        Column(N_("Sub-processors"), 28, False, lambda a: _lines([p.name for p in a.recipients])),
        Column(
            N_("Transfers to third countries and safeguards"),
            36,
            True,
            lambda a: _transfers(lang, a.transfers),
        ),
        Column(
            N_("Technical and organisational security measures"),
            32,
            True,
            lambda a: _lines([m.label for m in a.security]),
        ),
        Column(N_("Status"), 12, False, lambda a: a.status),
    ]


def _header(sheet: Worksheet, lang: Lang, headers: Sequence[tuple[str, int, bool]]) -> None:
    """Write a styled, frozen, filterable header row."""
    for index, (header, width, required) in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index, value=lang.gettext(header))
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if required else _OTHER_FILL
        cell.alignment = _HEADER_ALIGN
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[1].height = 42
    sheet.freeze_panes = "C2" if len(headers) > 6 else "B2"


def _rows(sheet: Worksheet, rows: Sequence[Sequence[str]]) -> None:
    """Write data rows under the header, wrapped and top-aligned, with a filter."""
    for row in rows:
        sheet.append(list(row))
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = _WRAP
            cell.border = _RULE
    sheet.auto_filter.ref = sheet.dimensions


def _activity_sheet(
    sheet: Worksheet, lang: Lang, columns: list[Column], activities: list[ActivityView]
) -> None:
    _header(sheet, lang, [(c.header, c.width, c.required) for c in columns])
    _rows(sheet, [[c.value(a) for c in columns] for a in activities])


def _identification(sheet: Worksheet, lang: Lang, view: RegisterView) -> None:
    """The controller's identification, as the model register's first tab."""
    org = view.organisation
    pairs: list[tuple[str, str]] = [
        (N_("Name of the organisation"), org.name),
        (N_("Enterprise number"), org.enterprise_number),
        (N_("Address"), org.address),
        (N_("Website"), org.website),
        (N_("General e-mail address"), org.email),
        (N_("General telephone number"), org.phone),
    ]
    for label, contact in (
        (N_("Privacy contact"), org.privacy),
        (N_("Data protection officer"), org.dpo),
        (N_("Representative in the EU (Art. 27)"), org.representative),
    ):
        parts = [contact.name, contact.email, contact.phone, contact.address] if contact else []
        pairs.append((label, ", ".join(p for p in parts if p)))
    pairs.append(
        (
            N_("Requests from data subjects"),
            ", ".join(p for p in (org.requests_email, org.requests_url, org.requests_address) if p),
        )
    )
    pairs.append((N_("Date of this register"), view.date))
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 70
    title = sheet.cell(row=1, column=1, value=view.title)
    title.font = Font(bold=True, size=14, color="1E3A5F")
    for row, (label, value) in enumerate(pairs, start=3):
        label_cell = sheet.cell(row=row, column=1, value=lang.gettext(label))
        label_cell.font, label_cell.fill, label_cell.alignment = Font(bold=True), _LABEL_FILL, _WRAP
        sheet.cell(row=row, column=2, value=value).alignment = _WRAP
    legend = sheet.cell(row=len(pairs) + 4, column=1, value=lang.gettext(_LEGEND))
    legend.font = Font(italic=True, color="6B7280")


_PROCESSOR_HEADERS: Final = (
    (N_("Processor"), 30, True),
    (N_("Country"), 16, False),
    (N_("Service"), 34, False),
    (N_("Agreement signed"), 18, True),
    (N_("Agreement"), 32, False),
    (N_("Agreement expires"), 18, False),
    (N_("Sub-processors"), 30, False),
    (N_("Transfers to third countries and safeguards"), 36, False),
    (N_("Activities"), 36, False),
)
_THIRD_PARTY_HEADERS: Final = (
    (N_("Third party"), 30, True),
    (N_("Country"), 16, False),
    (N_("Role"), 34, False),
    (N_("Activities"), 40, False),
)
_TRANSFER_HEADERS: Final = (
    (N_("Country"), 18, True),
    (N_("Recipient"), 30, True),
    (N_("Ground"), 50, True),
    (N_("Adequacy decision"), 40, False),
    (N_("Reference or reason"), 40, False),
)


def _party_row(lang: Lang, use: PartyUse) -> list[str]:
    party = use.party
    return [
        party.name,
        party.country,
        party.description,
        party.agreement_signed,
        party.agreement_reference,
        party.agreement_expires,
        party.sub_processors,
        _transfers(lang, party.transfers),
        _lines(use.activities),
    ]


def _parties(workbook: Workbook, lang: Lang, view: RegisterView) -> None:
    processors = workbook.create_sheet(_sheet_name(lang.gettext("Processors")))
    _header(processors, lang, _PROCESSOR_HEADERS)
    _rows(processors, [_party_row(lang, use) for use in view.processors])
    third = workbook.create_sheet(_sheet_name(lang.gettext("Third parties")))
    _header(third, lang, _THIRD_PARTY_HEADERS)
    _rows(
        third, [[*_party_row(lang, use)[:3], _lines(use.activities)] for use in view.third_parties]
    )


def _transfer_sheet(workbook: Workbook, lang: Lang, view: RegisterView) -> None:
    sheet = workbook.create_sheet(_sheet_name(lang.gettext("Transfers")))
    _header(sheet, lang, _TRANSFER_HEADERS)
    _rows(
        sheet,
        [
            [t.country, t.recipient, t.mechanism, t.decision, _lines([t.reference, t.detail])]
            for t in view.transfers
        ],
    )


def _sheet_name(name: str) -> str:
    """A valid sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    return "".join(c for c in name if c not in "[]:*?/\\")[:31]


def render_xlsx(view: RegisterView, *, lang: Lang, today: date) -> bytes:
    """The register ``view`` as an XLSX workbook in ``lang``."""
    workbook = Workbook()
    workbook.properties.title = f"{view.title}: {view.organisation.name}"
    workbook.properties.creator = "Kluis"
    workbook.properties.created = datetime(today.year, today.month, today.day)
    workbook.properties.language = lang.code
    identification = workbook.active
    assert identification is not None
    identification.title = _sheet_name(lang.gettext("Identification"))
    _identification(identification, lang, view)
    register = workbook.create_sheet(_sheet_name(lang.gettext("Register of activities")))
    _activity_sheet(register, lang, _register_columns(lang), view.controller_activities)
    processing = workbook.create_sheet(_sheet_name(lang.gettext("Processor activities")))
    _activity_sheet(processing, lang, _processor_columns(lang), view.processor_activities)
    _parties(workbook, lang, view)
    _transfer_sheet(workbook, lang, view)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
