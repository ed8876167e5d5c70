"""The register of processing activities: its format, loading, taxonomy and checks.

Public surface: :func:`load_register`, :func:`read_register`, :class:`LoadedRegister`,
:func:`run_checks`, the models in :mod:`kluis.register.schema` and :class:`RegisterInvalid`.
"""
