"""Checks of a register against the GDPR and Belgian and Dutch law (``kluis register lint``)."""
