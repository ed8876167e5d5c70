"""Sending through a real SMTP server (aiosmtpd on 127.0.0.1): plain, STARTTLS with a
login, and the errors that never name an address."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kluis.config import Smtp
from kluis.mail import Attachment, Mail, Mailer, MailFailed, MailNotConfigured
from tests.smtp import Inbox, SmtpServer, free_port, smtp  # noqa: F401

ADDRESS = "an.peeters@example.be"


def test_a_message_reaches_the_server_with_its_attachment(smtp: SmtpServer) -> None:
    mail = Mail(
        "Subject line",
        "Body text\n",
        (Attachment("answer.pdf", b"%PDF-1.7 test", "application", "pdf"),),
        {"List-Unsubscribe": "<https://k.example/unsubscribe/abc>"},
    )
    Mailer(smtp.settings).send(ADDRESS, mail, at=datetime(2026, 11, 22, 12, tzinfo=UTC))
    recipients, message = smtp.inbox.messages[0]
    assert recipients == [ADDRESS]
    assert message["From"] == "privacy@example.be"
    assert message["Subject"] == "Subject line"
    assert message["List-Unsubscribe"] == "<https://k.example/unsubscribe/abc>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert smtp.inbox.text().strip() == "Body text"
    files = [(part.get_filename(), part.get_content()) for part in message.iter_attachments()]
    assert files == [("answer.pdf", b"%PDF-1.7 test")]


def test_without_smtp_sending_says_e_mail_is_not_set_up() -> None:
    mailer = Mailer(None, sender="privacy@example.be")
    assert not mailer.configured
    with pytest.raises(MailNotConfigured) as raised:
        mailer.send(ADDRESS, Mail("s", "t"))
    assert "not set up" in str(raised.value)


def test_a_sender_is_needed(smtp: SmtpServer) -> None:
    settings = Smtp(host="127.0.0.1", port=smtp.settings.port, security="none")
    with pytest.raises(MailNotConfigured):
        Mailer(settings).send(ADDRESS, Mail("s", "t"))
    Mailer(settings, sender="dpo@example.be").send(ADDRESS, Mail("s", "t"))
    assert smtp.inbox.last()["From"] == "dpo@example.be"


def test_an_unreachable_server_fails_without_naming_the_address() -> None:
    settings = Smtp(host="127.0.0.1", port=free_port(), security="none", sender="p@example.be")
    with pytest.raises(MailFailed) as raised:
        Mailer(settings, timeout=2).send(ADDRESS, Mail("s", "t"))
    assert ADDRESS not in str(raised.value)
    assert "could not be sent" in str(raised.value)


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Logins:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, server: object, session: object, envelope: object, mechanism: str,
                 data: object) -> AuthResult:  # fmt: skip
        login = getattr(data, "login", b"")
        password = getattr(data, "password", b"")
        self.seen.append(login.decode())
        ok = login == b"kluis" and password == b"s3cret"
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[Inbox, int, ssl.SSLContext, _Logins]]:
    cert, key = _certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    client_context = ssl.create_default_context(cafile=str(cert))
    inbox, logins, port = Inbox(), _Logins(), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context,
        require_starttls=True,
        authenticator=logins,
        auth_required=True,
        auth_exclude_mechanism=["LOGIN"],
    )
    controller.start()
    try:
        yield inbox, port, client_context, logins
    finally:
        controller.stop()


def test_starttls_and_a_login(tls_server: tuple[Inbox, int, ssl.SSLContext, _Logins]) -> None:
    inbox, port, context, logins = tls_server
    settings = Smtp(
        host="127.0.0.1",
        port=port,
        security="starttls",
        user="kluis",
        password="s3cret",
        sender="privacy@example.be",
    )
    Mailer(settings, context=context).send(ADDRESS, Mail("Over TLS", "text"))
    assert inbox.last()["Subject"] == "Over TLS"
    assert logins.seen == ["kluis"]
    wrong = Smtp(
        host="127.0.0.1",
        port=port,
        security="starttls",
        user="kluis",
        password="wrong",
        sender="privacy@example.be",
    )
    with pytest.raises(MailFailed, match="authentication refused"):
        Mailer(wrong, context=context).send(ADDRESS, Mail("No", "text"))
    assert len(inbox.messages) == 1


def test_starttls_refuses_a_certificate_it_does_not_trust(
    tls_server: tuple[Inbox, int, ssl.SSLContext, _Logins],
) -> None:
    inbox, port, _context, _logins = tls_server
    settings = Smtp(host="127.0.0.1", port=port, security="starttls", sender="p@example.be")
    with pytest.raises(MailFailed):
        Mailer(settings).send(ADDRESS, Mail("s", "t"))
    assert inbox.messages == []


def test_an_outbox_keeps_each_message_as_a_private_eml_file(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    mailer = Mailer(Smtp(host="", port=0, security="none", outbox=outbox), sender="p@example.be")
    mailer.send("an@example.org", Mail(subject="Bevestig", text="Open de link"))
    mailer.send("bo@example.org", Mail(subject="Tweede", text="Nog een"))
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 2
    assert all(path.stat().st_mode & 0o777 == 0o600 for path in files)
    first = files[0].read_text()
    assert "To: an@example.org" in first and "Open de link" in first


def test_an_outbox_that_cannot_be_written_fails_clearly(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    mailer = Mailer(Smtp(host="", port=0, security="none", outbox=blocked), sender="p@example.be")
    with pytest.raises(MailFailed, match="could not be sent"):
        mailer.send("an@example.org", Mail(subject="x", text="y"))
