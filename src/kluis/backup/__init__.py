"""Backups of the database and the key store, and their restore."""
