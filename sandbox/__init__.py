"""Local stand-ins for external services, used by the tests and the local demo.

``sandbox.botapi`` is a local Telegram Bot API server; ``sandbox.chat`` is a
terminal client that lets a human talk to a bot through it.
"""
