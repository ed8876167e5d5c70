"""Kluis: the register of processing activities as the policy.

Importing this package has no side effects; entry points build what they need.
"""

__version__ = "0.1.0.dev0"
