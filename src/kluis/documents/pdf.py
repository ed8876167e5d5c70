"""Rendering HTML to PDF with WeasyPrint (A4, the print stylesheet of the HTML)."""

from __future__ import annotations


def html_to_pdf(html: str) -> bytes:
    """The PDF of the HTML document ``html``."""
    # Imported here, not at the top: importing WeasyPrint takes over a second, and every
    # `kluis` command imports this package while only PDF rendering needs it.
    from weasyprint import HTML  # noqa: PLC0415

    document: bytes = HTML(string=html, base_url=None).write_pdf()
    return document
