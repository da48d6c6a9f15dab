"""Lianxin's platform-neutral core: domain rules, dialogs and use cases.

Nothing under this package imports a messaging framework, an ORM or a scheduler;
`tests/unit/test_core_is_neutral.py` keeps it that way.
"""
