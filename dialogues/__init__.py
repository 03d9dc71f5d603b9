"""Example dialogues a user would copy from. Importing this package registers them all."""

from dialogues import hello, menu

__all__ = ["hello", "menu"]
