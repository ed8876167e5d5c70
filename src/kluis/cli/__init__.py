"""The ``kluis`` command."""
