"""Reading what the browser posts back after a turn into a typed result.

Every turn document posts one form field, ``result``: JSON made in the
browser by ``rayvr.json`` (``root.js``), of this shape::

    {
      "events": [                          # every event the browser raised, in order
        {"name": "noinput", "message": ""}
      ],
      "recognition": [                     # application.lastresult$, best first
        {"utterance": "one two",
         "interpretation": <any JSON>,     # the grammar's semantic result
         "confidence": 0.87,               # a number, or a string holding one
         "inputmode": "dtmf" | "voice"}
      ],
      "mark": null | {"name": "m1", "time": 1200}   # last SSML mark; time in ms, may be null
    }

Every key may be missing (it then counts as empty); keys not listed are
ignored, so later turn kinds can add their own. What the result means, in
this order: a hang-up event anywhere in ``events`` wins (the caller is gone);
otherwise the first event; otherwise a non-empty ``recognition``; otherwise
the prompts were played.

Anything else (no ``result`` field, bad JSON, a value of the wrong type) is a
:class:`~runtime.errors.BadResult` whose message says what is wrong.
"""

from __future__ import annotations

import json
import math
from typing import Any, Mapping, NoReturn

from runtime.errors import BadResult
from runtime.results import (HANGUP_EVENT, Event, Hypothesis, InputResult, MarkReached, Played, Recognition,
                             event)

RESULT_FIELD = "result"
INPUT_MODES = ("dtmf", "voice")


def parse_result(fields: Mapping[str, str]) -> InputResult:
    """The typed result in ``fields``, the merged query-string and body parameters of the POST."""
    raw = fields.get(RESULT_FIELD)
    if raw is None:
        _bad(f"the post has no {RESULT_FIELD!r} field")
    if not isinstance(raw, str):
        _bad(f"the {RESULT_FIELD!r} field is {type(raw).__name__}, not text")
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        _bad(f"the {RESULT_FIELD!r} field is not JSON: {error}")
    result = _object(data, RESULT_FIELD)
    mark = _mark(result.get("mark"))
    events = [_event(item, f"events[{i}]", mark) for i, item in enumerate(_list(result, "events"))]
    hypotheses = tuple(_hypothesis(item, f"recognition[{i}]") for i, item in enumerate(_list(result, "recognition")))
    for item in events:
        if item.name == HANGUP_EVENT:
            return item
    if events:
        return events[0]
    if hypotheses:
        return Recognition(hypotheses, mark)
    return Played(mark)


def _event(data: Any, where: str, mark: MarkReached | None) -> Event:
    item = _object(data, where)
    return event(_str(item, "name", where), _str(item, "message", where, default=""), mark)


def _hypothesis(data: Any, where: str) -> Hypothesis:
    item = _object(data, where)
    input_mode = _str(item, "inputmode", where)
    if input_mode not in INPUT_MODES:
        _bad(f"{where}.inputmode is {input_mode!r}, not one of {', '.join(INPUT_MODES)}")
    confidence = _number(_field(item, "confidence", where), f"{where}.confidence")
    return Hypothesis(utterance=_str(item, "utterance", where), interpretation=item.get("interpretation"),
                      confidence=confidence, input_mode=input_mode)


def _mark(data: Any) -> MarkReached | None:
    if data is None:
        return None
    item = _object(data, "mark")
    time = item.get("time")
    return MarkReached(_str(item, "name", "mark"), None if time is None else round(_number(time, "mark.time")))


# --- checked access ----------------------------------------------------------------------------


def _object(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        _bad(f"{where} is {_kind(data)}, not an object")
    return data


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        _bad(f"{key} is {_kind(value)}, not a list")
    return value


def _str(data: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = _field(data, key, where) if default is None else data.get(key, default)
    if not isinstance(value, str):
        _bad(f"{where}.{key} is {_kind(value)}, not a string")
    return value


def _field(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data:
        _bad(f"{where} has no {key!r}")
    return data[key]


def _number(value: Any, where: str) -> float:
    """A finite number, from a JSON number or a string holding one (some browsers send strings)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        _bad(f"{where} is {_kind(value)}, not a number")
    try:
        number = float(value)
    except ValueError:
        _bad(f"{where} is {value!r}, not a number")
    if not math.isfinite(number):
        _bad(f"{where} is {value!r}, not a finite number")
    return number


def _kind(value: Any) -> str:
    return {type(None): "null", bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def _bad(message: str) -> NoReturn:
    raise BadResult(f"cannot read the browser's result: {message}")
