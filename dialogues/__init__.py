"""Example dialogues a user would copy from. Importing this package registers them all."""

from dialogues import address_check, agent_transfer, hello, menu, postcode, voicemail

__all__ = ["address_check", "agent_transfer", "hello", "menu", "postcode", "voicemail"]
