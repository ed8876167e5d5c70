"""Checks of transfers outside the EEA (Art. 44-49)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kluis.register.checks import transfers
from kluis.register.checks.base import Severity

if TYPE_CHECKING:
    from tests.register.checks.conftest import Lint

AGREEMENT = "    agreement: {signed: 2024-01-15, reference: DPA-1}\n"


def transfer(text: str) -> tuple[str, str]:
    """An edit giving the processor ``mailhost`` one transfer."""
    return (AGREEMENT, AGREEMENT + f"    transfers: [{text}]\n")


def processor_in(country: str) -> tuple[str, str]:
    """An edit moving the processor ``mailhost`` to ``country``."""
    return ("    country: BE\n    agreement", f"    country: {country}\n    agreement")


def test_privacy_shield_fires(lint: Lint) -> None:
    run = lint(transfers.privacy_shield, transfer("{country: US, mechanism: privacy_shield}"))
    assert run.found() == [("KL401", Severity.error, run.line("privacy_shield"))]
    message = run.findings[0].message("en")
    assert "2020-07-16" in message
    assert "C-311/18" in message


def test_dpf_is_not_privacy_shield(lint: Lint) -> None:
    edit = transfer("{country: US, mechanism: dpf, checked: 2025-05-01}")
    assert lint(transfers.privacy_shield, edit).found() == []


def test_missing_mechanism_fires_for_a_processor_established_outside(lint: Lint) -> None:
    run = lint(transfers.missing_mechanism, processor_in("US"))
    assert run.found() == [("KL402", Severity.error, run.line("country: US"))]
    assert "dpf" in run.findings[0].message("en")


def test_missing_mechanism_fires_for_a_transfer_without_mechanism(lint: Lint) -> None:
    run = lint(transfers.missing_mechanism, transfer("{country: IN}"))
    assert run.found() == [("KL402", Severity.error, run.line("transfers:"))]
    assert "scc" in run.findings[0].message("nl")


def test_missing_mechanism_fires_for_a_system_location(lint: Lint) -> None:
    run = lint(transfers.missing_mechanism, ("location: [BE]", "location: [BE, IN]"))
    assert run.found() == [("KL402", Severity.error, run.line("location: [BE, IN]"))]
    assert "'mailhost'" in run.findings[0].message("en")


def test_missing_mechanism_fires_for_a_system_without_processor(lint: Lint) -> None:
    edits = (("    processor: mailhost\n", ""), ("location: [BE]", "location: [US]"))
    run = lint(transfers.missing_mechanism, *edits)
    assert run.found() == [("KL402", Severity.error, run.line("location: [US]"))]


def test_missing_mechanism_fires_for_a_third_party(lint: Lint) -> None:
    sections = """\
    third_parties:
      - id: consultant
        name: Consultant Pvt Ltd
        country: IN
    """
    run = lint(transfers.missing_mechanism, sections=sections)
    assert run.found() == [("KL402", Severity.error, run.line("country: IN"))]


def test_no_mechanism_needed_in_the_eea_or_with_adequacy(lint: Lint) -> None:
    edits = (processor_in("CH"), ("location: [BE]", "location: [CH, NO, BE]"))
    assert lint(transfers.missing_mechanism, *edits).found() == []


def test_recorded_mechanisms_satisfy_the_check(lint: Lint) -> None:
    edits = (
        processor_in("US"),
        transfer("{country: US, mechanism: scc}, {country: IN, mechanism: bcr}"),
        ("location: [BE]", "location: [US, IN]"),
    )
    assert lint(transfers.missing_mechanism, *edits).found() == []


def test_adequacy_without_decision_fires(lint: Lint) -> None:
    run = lint(transfers.adequacy_without_decision, transfer("{country: IN, mechanism: adequacy}"))
    assert run.found() == [("KL403", Severity.error, run.line("transfers:"))]


def test_adequacy_for_the_united_states_points_to_dpf(lint: Lint) -> None:
    run = lint(transfers.adequacy_without_decision, transfer("{country: US, mechanism: adequacy}"))
    assert [code for code, _, _ in run.found()] == ["KL403"]
    assert "dpf" in run.findings[0].message("en")


def test_adequacy_with_a_decision_is_fine(lint: Lint) -> None:
    edit = transfer("{country: CH, mechanism: adequacy}")
    assert lint(transfers.adequacy_without_decision, edit).found() == []


def test_dpf_outside_the_united_states_fires(lint: Lint) -> None:
    run = lint(transfers.dpf_outside_us, transfer("{country: IN, mechanism: dpf}"))
    assert run.found() == [("KL404", Severity.error, run.line("transfers:"))]


def test_dpf_to_the_united_states_is_fine(lint: Lint) -> None:
    assert lint(transfers.dpf_outside_us, transfer("{country: US, mechanism: dpf}")).found() == []


def test_dpf_without_checked_date_warns(lint: Lint) -> None:
    run = lint(transfers.dpf_unchecked, transfer("{country: US, mechanism: dpf}"))
    assert run.found() == [("KL405", Severity.warning, run.line("transfers:"))]


def test_dpf_checked_long_ago_warns(lint: Lint) -> None:
    edit = transfer("{country: US, mechanism: dpf,\n      checked: 2024-01-10}")
    run = lint(transfers.dpf_unchecked, edit)
    assert run.found() == [("KL405", Severity.warning, run.line("checked: 2024-01-10"))]
    assert "2024-01-10" in run.findings[0].message("fr")


def test_dpf_checked_recently_is_fine(lint: Lint) -> None:
    edit = transfer("{country: US, mechanism: dpf, checked: 2025-03-01}")
    assert lint(transfers.dpf_unchecked, edit).found() == []


def test_derogation_without_reason_fires(lint: Lint) -> None:
    run = lint(
        transfers.derogation_without_reason, transfer("{country: IN, mechanism: derogation}")
    )
    assert run.found() == [("KL406", Severity.error, run.line("transfers:"))]


def test_derogation_with_reason_is_fine(lint: Lint) -> None:
    edit = transfer(
        "{country: IN, mechanism: derogation, reason: {nl: Uitvoering overeenkomst,"
        " en: Performance of a contract}}"
    )
    assert lint(transfers.derogation_without_reason, edit).found() == []


def test_adequacy_with_unconfirmed_scope_warns(lint: Lint) -> None:
    run = lint(transfers.adequacy_unconfirmed, processor_in("JP"))
    assert run.found() == [("KL407", Severity.warning, run.line("country: JP"))]
    assert "2019/419" in run.findings[0].message("en")


def test_adequacy_with_confirmed_general_scope_is_fine(lint: Lint) -> None:
    assert lint(transfers.adequacy_unconfirmed, processor_in("CH")).found() == []


def test_adequacy_unconfirmed_is_quiet_when_safeguards_are_used(lint: Lint) -> None:
    edits = (processor_in("JP"), transfer("{country: JP, mechanism: scc}"))
    assert lint(transfers.adequacy_unconfirmed, *edits).found() == []
