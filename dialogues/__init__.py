"""Example dialogues a user would copy from. Importing this package registers them all."""

from dialogues import agent_transfer, hello, menu

__all__ = ["agent_transfer", "hello", "menu"]
