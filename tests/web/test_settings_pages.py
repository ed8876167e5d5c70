"""The settings page: what is safe to show, never the SMTP password."""

from __future__ import annotations

from typing import Any

from kluis.config import load_settings
from kluis.crypto import KeyMaterial, write_key_file
from tests.web.test_dashboard import sign_in_en


def test_settings_show_keys_and_smtp_without_the_password(
    client: Any, key_material: KeyMaterial
) -> None:
    state = client.app.state.kluis
    folder = state.settings.folder
    write_key_file(folder / "kluis.key", key_material)
    state.settings = load_settings(
        folder,
        environ={
            "KLUIS_SMTP_HOST": "smtp.example.be",
            "KLUIS_SMTP_USER": "kluis",
            "KLUIS_SMTP_PASSWORD": "s3cret-Passw0rd",
        },
    )
    sign_in_en(client, "ada")
    page = client.get("/settings")
    assert page.status_code == 200
    assert "smtp.example.be:587" in page.text and "starttls" in page.text
    assert "s3cret-Passw0rd" not in page.text and ">set<" in page.text
    assert key_material.current in page.text and "current" in page.text
    assert "No backup in the backup folder yet." in page.text


def test_settings_are_for_administrators(client: Any) -> None:
    sign_in_en(client, "dora")
    assert client.get("/settings").status_code == 403
