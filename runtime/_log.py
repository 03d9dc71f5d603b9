"""Structured logging: one logfmt line per event, with the call id and turn where there is a call."""

from __future__ import annotations

import logging
import time

_FIELDS = ("call_id", "turn")


def _quote(value: object) -> str:
    text = str(value)
    if text and not any(c in text for c in ' "=\n\t'):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class LogfmtFormatter(logging.Formatter):
    """``ts=... level=... logger=... call_id=... turn=... msg=...``; fields absent from a record are left out."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
        parts = [f"ts={stamp}", f"level={record.levelname}", f"logger={record.name}"]
        for name in _FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                parts.append(f"{name}={_quote(value)}")
        parts.append(f"msg={_quote(record.getMessage())}")
        if record.exc_info:
            parts.append(f"exc={_quote(self.formatException(record.exc_info))}")
        return " ".join(parts)


def configure_logging(level: str | int = "INFO") -> None:
    """Send rayvr's logs (the ``rayvr`` logger tree) to stderr as logfmt lines."""
    logger = logging.getLogger("rayvr")
    logger.setLevel(level)
    if not any(isinstance(h.formatter, LogfmtFormatter) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(LogfmtFormatter())
        logger.addHandler(handler)
    logger.propagate = False
