"""Lianxin's framework shell: Telegram adapters, rendering, CLI."""
