"""Loading registers: every loader error says file, line and what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kluis.register.errors import RegisterInvalid
from kluis.register.loader import load_register, read_register
from tests.conftest import MINIMAL

Write = Callable[..., Path]


def _codes(path: Path) -> list[tuple[str, int]]:
    loaded, findings = read_register(path)
    assert loaded is None
    return [(f.code, f.location.line if f.location else 0) for f in findings]


def _replace(old: str, new: str) -> str:
    assert old in MINIMAL, old
    return MINIMAL.replace(old, new, 1)


def test_minimal_register_loads(write_register: Write) -> None:
    loaded = load_register(write_register(MINIMAL))
    assert loaded.register.organisation.name == "Testbedrijf BV"
    assert loaded.register.activities[0].retention is not None
    assert str(loaded.register.activities[0].retention.keep) == "P7Y"
    assert loaded.source.value(("activities", 0, "retention", "keep")) is not None


def test_load_register_raises_with_every_finding(write_register: Write) -> None:
    text = _replace("country: BE\n  languages", "country: BX\n  languages")
    text = text.replace("keep: P7Y", "keep: P7X")
    with pytest.raises(RegisterInvalid) as caught:
        load_register(write_register(text))
    assert sorted(f.code for f in caught.value.findings) == ["KL007", "KL009"]
    assert "2 error" in str(caught.value)


@pytest.mark.parametrize(
    ("old", "new", "code", "line"),
    [
        ("name: Testbedrijf BV", "name: [Testbedrijf", "KL001", 4),
        ("  employees: 12\n", "  employees: 12\n  employees: 13\n", "KL002", 9),
        ("  employees: 12\n", "  employes: 12\n", "KL003", 8),
        (
            "    purposes:\n      - {nl: Correct gefactureerd worden, en: Being paid correctly}\n",
            "",
            "KL004",
            17,
        ),
        ("employees: 12", "employees: [12]", "KL005", 8),
        ("basis: contract", "basis: contracts", "KL006", 25),
        ("keep: P7Y", "keep: 7 years", "KL007", 26),
        ("kluis: 1\n", "kluis: 1\nx_date: 1\n", "KL003", 2),
        ("country: BE\n  languages", "country: BX\n  languages", "KL009", 6),
        ("languages: [nl, en]", "languages: [nl, de]", "KL010", 7),
        ("- id: management", "- id: Management", "KL011", 14),
        ("data_subjects: [customer]", "data_subjects: [customers]", "KL013", 21),
        ("email: privacy@example.be}", "email: not-an-address}", "KL014", 10),
        ("BE0600995271", "BE0600995272", "KL015", 4),
        ("  employees: 12\n", "  employees: 12\n  fiscal_year_end: 13-01\n", "KL016", 9),
        ("name: {nl: Directie, en: Management}", "name: {nl: ''}", "KL017", 15),
        ("kluis: 1", "kluis: 2", "KL018", 1),
        ("  employees: 12\n", "  employees: -1\n", "KL022", 8),
    ],
)
def test_each_loader_error_has_its_code_and_line(
    write_register: Write, old: str, new: str, code: str, line: int
) -> None:
    assert (code, line) in _codes(write_register(_replace(old, new)))


def test_dates_that_do_not_exist_are_refused_with_their_line(write_register: Write) -> None:
    text = MINIMAL + "consent_purposes:\n  - {id: news, text: Ja, version: 2024-02-30}\n"
    assert ("KL008", 30) in _codes(write_register(text))


def test_only_earlier_texts_of_a_consent_can_be_accepted(write_register: Write) -> None:
    text = MINIMAL + (
        "consent_purposes:\n  - id: news\n    text: Ja\n    version: 2024-02-01\n"
        "    accepts: [2024-01-01, 2024-03-01]\n"
    )
    loaded, findings = read_register(write_register(text))
    assert loaded is None
    (finding,) = findings
    assert (finding.code, finding.location.line if finding.location else None) == ("KL022", 33)
    assert "'consent_purposes[0].accepts' must be < 2024-02-01" in finding.message("en")


def test_duplicate_ids_name_the_first_line(write_register: Write) -> None:
    text = _replace(
        "    name: {nl: Directie, en: Management}\n",
        "    name: {nl: Directie, en: Management}\n  - id: management\n    name: Tweede\n",
    )
    loaded, findings = read_register(write_register(text))
    assert loaded is None
    duplicate = next(f for f in findings if f.code == "KL012")
    assert duplicate.location is not None
    assert duplicate.location.line == 16
    assert "line 14" in duplicate.message("en")


def test_unknown_reference_suggests_the_nearest_id(write_register: Write) -> None:
    text = _replace("access: [management]", "access: [managment]")
    _, findings = read_register(write_register(text))
    [finding] = findings
    assert finding.code == "KL013"
    assert "did you mean 'management'" in finding.message("en")
    assert "bedoelde u 'management'" in finding.message("nl")
    assert "vouliez-vous dire 'management'" in finding.message("fr")


def test_unknown_key_suggests_the_nearest_key(write_register: Write) -> None:
    text = _replace("    retention:", "    retension:")
    _, findings = read_register(write_register(text))
    messages = [f.message("en") for f in findings if f.code == "KL003"]
    assert messages == ["Unknown key 'retension'; did you mean 'retention'?"]


def test_unknown_taxonomy_category_suggests_one(write_register: Write) -> None:
    text = _replace(
        "data_categories: [user.name, user.contact.email]",
        "data_categories: [user.name, user.contact.emial]",
    )
    _, findings = read_register(write_register(text))
    [finding] = findings
    assert "user.contact.email" in finding.message("en")


def test_many_errors_are_reported_at_once_shape_and_references_together(
    write_register: Write,
) -> None:
    text = _replace("access: [management]", "access: [nobody]")
    text = text.replace("keep: P7Y", "keep: P7X").replace("employees: 12", "employes: 12")
    codes = {code for code, _ in _codes(write_register(text))}
    assert codes == {"KL003", "KL007", "KL013"}


def test_messages_never_contain_the_bad_email_itself(write_register: Write) -> None:
    text = _replace("email: privacy@example.be}", "email: jan.peeters-at-example}")
    _, findings = read_register(write_register(text))
    for language in ("nl", "en", "fr"):
        assert all("jan.peeters" not in f.message(language) for f in findings)


def test_a_folder_of_files_is_merged_with_locations_per_file(tmp_path: Path) -> None:
    head, activities = MINIMAL.split("activities:\n")
    (tmp_path / "organisation.yaml").write_text(head, encoding="utf-8")
    (tmp_path / "activities").mkdir()
    (tmp_path / "activities" / "a.yaml").write_text("activities:\n" + activities, encoding="utf-8")
    second = activities.replace("client-invoicing", "second").replace("keep: P7Y", "keep: P1Z")
    (tmp_path / "activities" / "b.yaml").write_text("activities:\n" + second, encoding="utf-8")
    _, findings = read_register(tmp_path)
    [finding] = findings
    assert finding.code == "KL007"
    assert finding.location is not None
    assert finding.location.file.endswith("b.yaml")
    assert finding.location.line == 11
    (tmp_path / "activities" / "b.yaml").write_text(
        "activities:\n" + second.replace("P1Z", "P1Y"), encoding="utf-8"
    )
    loaded = load_register(tmp_path)
    assert [a.id for a in loaded.register.activities] == ["client-invoicing", "second"]
    location = loaded.source.value(("activities", 1, "id"))
    assert location is not None
    assert location.file.endswith("b.yaml")


def test_a_section_written_in_two_files_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("organisation:\n  name: Other\n", encoding="utf-8")
    codes = [code for code, _ in _codes(tmp_path)]
    assert "KL020" in codes


@pytest.mark.parametrize(
    ("content", "code"),
    [("", "KL025"), ("- a\n", "KL023"), (MINIMAL + "---\nkluis: 1\n", "KL024")],
)
def test_file_shape_problems(write_register: Write, content: str, code: str) -> None:
    loaded, findings = read_register(write_register(content))
    assert code in [f.code for f in findings]
    if code != "KL024":
        assert loaded is None


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    assert [c for c, _ in _codes(tmp_path / "nope.yaml")] == ["KL019"]
    assert [c for c, _ in _codes(tmp_path)] == ["KL019"]


def test_source_may_be_one_value_or_a_list(write_register: Write) -> None:
    text = _replace("    retention:", "    source: job_platform\n    retention:")
    activity = load_register(write_register(text)).register.activities[0]
    assert activity.art14
    assert not activity.art13


def test_a_processor_named_as_a_system_gets_its_own_explanation(write_register: Write) -> None:
    text = MINIMAL + (
        "processors:\n  - {id: microsoft, name: Microsoft Ireland Operations Ltd, country: IE}\n"
    )
    text = text.replace(
        "    access: [management]", "    systems: [microsoft]\n    access: [management]"
    )
    _, findings = read_register(write_register(text))
    [finding] = findings
    assert finding.code == "KL027"
    assert finding.location is not None
    assert finding.location.line == 27
    assert "processor: microsoft" in finding.message("en")


def test_an_empty_activities_list_needs_one_entry(write_register: Write) -> None:
    head = MINIMAL.split("activities:\n")[0]
    codes = _codes(write_register(head + "activities: []\n"))
    assert codes == [("KL021", 16)]


def test_a_key_must_be_a_plain_word(write_register: Write) -> None:
    text = _replace("  employees: 12\n", "  employees: 12\n  [a, b]: 1\n")
    assert ("KL026", 9) in _codes(write_register(text))
