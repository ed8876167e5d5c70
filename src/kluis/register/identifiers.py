"""Validating organisation identifiers with python-stdnum."""

from __future__ import annotations

import re

from stdnum import get_cc_module
from stdnum.be import vat as be_vat
from stdnum.exceptions import ValidationError

from kluis.i18n import N_


def enterprise_number_problem(number: str, country: str) -> str | None:
    """Say what kind of number ``number`` failed to be, or ``None`` when it is valid.

    Belgium: the KBO/BCE enterprise number (the VAT number's digits, with its check digits).
    The Netherlands: the eight-digit KvK number (it has no check digit since 2010 or so, so
    only its form is checked). Elsewhere: the country's VAT number, where python-stdnum
    knows one.
    """
    if country == "BE":
        return None if be_vat.is_valid(number) else N_("Belgian enterprise number (KBO/BCE)")
    if country == "NL":
        compact = re.sub(r"[\s.-]", "", number).removeprefix("NL")
        return None if re.fullmatch(r"\d{8}", compact) else N_("Dutch KvK number (eight digits)")
    module = get_cc_module(country.lower(), "vat")
    if module is None:
        return None
    try:
        module.validate(number)
    except ValidationError:
        return N_("VAT number of the organisation's country")
    return None
