"""Golden documents: rendered VoiceXML kept as files beside the tests, compared byte for byte.

A change that alters what the browser receives for a turn fails here and is
reviewed as a diff of the file. ``RAYVR_UPDATE_GOLDEN=1 pytest ...`` rewrites
the files after an intended change.
"""

from __future__ import annotations

import os
from pathlib import Path

from vxml import assert_valid_parts, assert_valid_vxml

GOLDEN = Path(__file__).resolve().parent / "golden"


def assert_golden(name: str, document: bytes) -> None:
    """``document`` is valid VoiceXML 2.1 (its inline grammars SRGS, its prompts SSML) and equals ``golden/<name>.vxml``."""
    assert_valid_parts(assert_valid_vxml(document))
    path = GOLDEN / f"{name}.vxml"
    if os.environ.get("RAYVR_UPDATE_GOLDEN") == "1" or not path.exists():
        assert os.environ.get("CI") != "true", f"golden document {path.name} is missing; generate it and commit it"
        path.write_bytes(document)
    assert document == path.read_bytes(), f"{name}: the document differs from {path}; review the change"
