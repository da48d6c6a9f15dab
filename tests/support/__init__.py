"""Test helpers shared by the suites (throw-away PostgreSQL cluster, ...)."""
