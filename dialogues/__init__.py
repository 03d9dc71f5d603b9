"""Example dialogues a user would copy from. Importing this package registers them all."""

from dialogues import address_check, hello, menu, postcode

__all__ = ["address_check", "hello", "menu", "postcode"]
