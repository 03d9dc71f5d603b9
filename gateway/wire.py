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
ignored. Turn kinds that report more (a transfer's status, a script's value)
add a key of their own and register a reader for it with
:func:`result_reader`. What the result means, in this order: a hang-up event
anywhere in ``events`` wins (the caller is gone; what else the post holds is
kept as the hang-up's ``partial`` result, such as the audio recorded until
then); otherwise the first event; otherwise the first registered key present
(not null); otherwise a non-empty ``recognition``; otherwise the prompts were
played.

Anything else (no ``result`` field, bad JSON, a value of the wrong type) is a
:class:`~runtime.errors.BadResult` whose message says what is wrong.

The form fields themselves come from the body and from the query string
(some browsers post a namelist in the query string), both read by
:func:`decode_form`.
"""

from __future__ import annotations

import codecs
import json
import math
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes
from typing import Any, Callable, Mapping, NoReturn

from runtime import _codec
from runtime.errors import BadResult
from runtime.results import (HANGUP_EVENT, Event, HungUp, Hypothesis, InputResult, MarkReached, Played,
                             Recognition, event)

RESULT_FIELD = "result"
MAX_DEPTH = 100  # far beyond any real result; much deeper data cannot travel (pickle) or be journaled safely
AUDIO_FIELD = "rayvrAudio"  # the multipart part holding a turn's audio (see gateway.recordings)
INPUT_MODES = ("dtmf", "voice")
MAX_FORM_FIELDS = 1000


@dataclass(frozen=True, slots=True)
class Posted:
    """What a result reader gets: the decoded ``result`` object and the mark already read from it."""

    data: dict[str, Any]
    mark: MarkReached | None


Reader = Callable[[Any, Posted], InputResult]
_READERS: dict[str, Reader] = {}


def result_reader(key: str) -> Callable[[Reader], Reader]:
    """Register the function that reads results carrying ``key`` (called with ``data[key]`` and the post).

    A reader raises :class:`~runtime.errors.BadResult` (through :func:`bad`)
    when the value is not what its document posts.
    """

    def register(reader: Reader) -> Reader:
        if key in _READERS or key in ("events", "recognition", "mark"):
            raise ValueError(f"a result reader for {key!r} is already registered")
        _READERS[key] = reader
        return reader

    return register


def decode_form(data: bytes | str, charset: str | None = None,
                max_fields: int = MAX_FORM_FIELDS) -> list[tuple[str, str]]:
    """The ``(name, value)`` fields of an ``application/x-www-form-urlencoded`` body or query string, in order.

    ``+`` is a space; percent escapes and raw bytes are text in ``charset``,
    the one the post declares (any spelling: ``UTF-8``, ``utf8``,
    ``ISO-8859-1``). Without a declared charset (or with an empty one) a
    field is read as UTF-8 and, if it is not valid UTF-8, as ISO-8859-1, the
    charset older browsers use without saying so. A field without ``=`` has
    an empty value.

    Raises:
        ValueError: the charset is unknown, a field is not valid in the
            declared charset, or there are more than ``max_fields`` fields.
    """
    if charset:  # an empty charset parameter says nothing
        try:
            charset = codecs.lookup(charset).name
            b"a".decode(charset)  # refuses codecs that are not text encodings (base64, rot13)
        except UnicodeDecodeError:
            pass  # a text encoding in which one byte "a" is not text (UTF-16): still a charset
        except LookupError:
            raise ValueError(f"the form declares charset {charset!r}, which is not a known charset") from None
    # A query string arrives as text the HTTP parser decoded as UTF-8 (raw bytes it could not decode kept
    # as surrogates): encoding it back gives the bytes that were sent.
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    fields: list[tuple[str, str]] = []
    for pair in raw.split(b"&"):
        if not pair:
            continue
        if len(fields) == max_fields:
            raise ValueError(f"the form has more than {max_fields} fields")
        name, _, value = pair.partition(b"=")
        fields.append((_form_text(name, charset), _form_text(value, charset)))
    return fields


def _form_text(raw: bytes, charset: str | None) -> str:
    data = unquote_to_bytes(raw.replace(b"+", b" "))
    if not charset:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("iso-8859-1")
    try:
        return data.decode(charset)
    except UnicodeDecodeError as error:
        raise ValueError(f"a form field is not valid {charset}: {error.reason} at byte {error.start}") from None


def parse_result(fields: Mapping[str, str | list[str]]) -> InputResult:
    """The typed result in ``fields``, the merged query-string and body parameters of the POST.

    A ``result`` given more than once (in the query string and in the body)
    counts once if every copy is the same.
    """
    raw = fields.get(RESULT_FIELD)
    if isinstance(raw, list) and raw and all(copy == raw[0] for copy in raw):
        raw = raw[0]
    if raw is None:
        bad(f"the post has no {RESULT_FIELD!r} field")
    if isinstance(raw, list):
        bad(f"the post has {len(raw)} different {RESULT_FIELD!r} fields")
    if not isinstance(raw, str):
        bad(f"the {RESULT_FIELD!r} field is {type(raw).__name__}, not text")
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        bad(f"the {RESULT_FIELD!r} field is not JSON: {error}")
    result = expect_object(data, RESULT_FIELD)
    if _depth(result) > MAX_DEPTH:
        bad(f"the {RESULT_FIELD!r} field is nested deeper than {MAX_DEPTH} levels")
    typed = _typed(result)
    try:
        _codec.pack(typed)
    except (TypeError, ValueError, OverflowError) as error:
        bad(f"the result cannot be journaled: {error}")
    return typed


def _typed(result: dict[str, Any]) -> InputResult:
    mark = _mark(result.get("mark"))
    events = [_event(item, f"events[{i}]", mark) for i, item in enumerate(expect_list(result, "events"))]
    hypotheses = tuple(_hypothesis(item, f"recognition[{i}]")
                       for i, item in enumerate(expect_list(result, "recognition")))
    for item in events:
        if item.name == HANGUP_EVENT:
            return _hang_up(item, result, hypotheses, mark)
    if events:
        return events[0]
    return _collected(result, hypotheses, mark) or Played(mark)


def _collected(result: dict[str, Any], hypotheses: tuple[Hypothesis, ...], mark: MarkReached | None
               ) -> InputResult | None:
    """What the turn collected: the first registered key present, else the recognition, else None."""
    for key, reader in _READERS.items():
        if result.get(key) is not None:
            return reader(result[key], Posted(result, mark))
    if hypotheses:
        return Recognition(hypotheses, mark)
    return None


def _hang_up(hang_up: Event, result: dict[str, Any], hypotheses: tuple[Hypothesis, ...],
             mark: MarkReached | None) -> Event:
    """The hang-up, with what was collected before it; a partial result that cannot be read is dropped."""
    try:
        partial = _collected(result, hypotheses, mark)
    except BadResult:
        partial = None  # the caller is gone either way: the hang-up must reach the dialogue
    if partial is None:
        return hang_up
    return HungUp(message=hang_up.message, mark=hang_up.mark, partial=partial)


def _event(data: Any, where: str, mark: MarkReached | None) -> Event:
    item = expect_object(data, where)
    return event(expect_str(item, "name", where), expect_str(item, "message", where, default=""), mark)


def _hypothesis(data: Any, where: str) -> Hypothesis:
    item = expect_object(data, where)
    input_mode = expect_str(item, "inputmode", where)
    if input_mode not in INPUT_MODES:
        bad(f"{where}.inputmode is {input_mode!r}, not one of {', '.join(INPUT_MODES)}")
    confidence = expect_number(expect_field(item, "confidence", where), f"{where}.confidence")
    return Hypothesis(utterance=expect_str(item, "utterance", where), interpretation=item.get("interpretation"),
                      confidence=confidence, input_mode=input_mode)


def _mark(data: Any) -> MarkReached | None:
    if data is None:
        return None
    item = expect_object(data, "mark")
    time = item.get("time")
    time_ms = None if time is None else round(expect_number(time, "mark.time"))
    return MarkReached(expect_str(item, "name", "mark"), time_ms)


# --- checked access (for result readers too) --------------------------------------------------


def expect_object(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        bad(f"{where} is {_kind(data)}, not an object")
    return data


def expect_list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        bad(f"{key} is {_kind(value)}, not a list")
    return value


def expect_str(data: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = expect_field(data, key, where) if default is None else data.get(key, default)
    if not isinstance(value, str):
        bad(f"{where}.{key} is {_kind(value)}, not a string")
    return value


def expect_field(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data:
        bad(f"{where} has no {key!r}")
    return data[key]


def expect_number(value: Any, where: str) -> float:
    """A finite number, from a JSON number or a string holding one (some browsers send strings)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        bad(f"{where} is {_kind(value)}, not a number")
    try:
        number = float(value)
    except ValueError:
        bad(f"{where} is {value!r}, not a number")
    if not math.isfinite(number):
        bad(f"{where} is {value!r}, not a finite number")
    return number


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _kind(value: Any) -> str:
    return {type(None): "null", bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def bad(message: str) -> NoReturn:
    raise BadResult(f"cannot read the browser's result: {message}")
