"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 and a free port, keeping every
message it receives. Import the ``smtp`` fixture into a test module to use it."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from kluis.config import Smtp


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Inbox:
    """What the server received: each message with its envelope's recipients."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """aiosmtpd's hook for a message's content."""
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def last(self) -> EmailMessage:
        """The newest message."""
        assert self.messages, "no message was received"
        return self.messages[-1][1]

    def text(self, message: EmailMessage | None = None) -> str:
        """The plain text of ``message`` (the newest by default)."""
        found = (message or self.last()).get_body(preferencelist=("plain",))
        assert found is not None
        return str(found.get_content())

    def link(self, pattern: str, message: EmailMessage | None = None) -> str:
        """The first link in the text matching ``pattern`` (a regular expression)."""
        found = re.search(pattern, self.text(message))
        assert found, f"no link like {pattern} in the message"
        return found.group(0)


@dataclass
class SmtpServer:
    """A running server, its inbox and the settings that reach it."""

    inbox: Inbox
    settings: Smtp


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server (no TLS, no login) for one test."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(
            inbox,
            Smtp(host="127.0.0.1", port=port, security="none", sender="privacy@example.be"),
        )
    finally:
        controller.stop()


@pytest.fixture
def mailing(server: Any, smtp: SmtpServer) -> SmtpServer:
    """The test server sends its e-mail to the test's SMTP server."""
    state = server.state.kluis
    state.settings = replace(state.settings, smtp=smtp.settings)
    return smtp
