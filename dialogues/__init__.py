"""Example dialogues a user would copy from. Importing this package registers them all."""

from dialogues import hello, menu, voicemail

__all__ = ["hello", "menu", "voicemail"]
