"""Document settings: the language, fetching and properties of the documents a call is shown.

A dialogue sets them for the whole call (:meth:`runtime.Call.configure`) and
for one turn (``call.turn(turn, settings=...)``); the turn's own win. The
settings in force for a turn travel with it: the call's checkpoint keeps them
next to the turn, so a repeated post or a restarted call gets the same
document. Nothing here is markup: the gateway renders the settings as
document-level ``<property>`` elements and the document's ``xml:lang``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Iterable, Mapping

from runtime._codec import wire
from runtime.fetching import FetchSettings

FETCH_KINDS = ("audio", "document", "grammar", "object", "script", "data")
"""What the per-kind fetch defaults apply to; each is ``<kind>fetchhint``, ``<kind>maxage`` and ``<kind>maxstale``."""

_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_NMTOKEN = re.compile(r"[\w.\-:]+")
# Property names that a dedicated field sets: one way to say one thing.
_DEDICATED = {"fetchaudio": "fetch_audio", "fetchaudiodelay": "fetch_audio_delay_ms",
              "fetchaudiominimum": "fetch_audio_minimum_ms", "fetchtimeout": "fetch_timeout_ms",
              **{f"{kind}{what}": f"{kind}_fetch" for kind in FETCH_KINDS
                 for what in ("fetchhint", "maxage", "maxstale")}}

Properties = Mapping[str, str] | Iterable[tuple[str, str]]


def check_lang(lang: str | None, what: str = "language") -> str | None:
    """``lang`` if it is a language tag ``xml:lang`` accepts (``en-US``, ``fr``, ``zh-Hant-TW``), else ValueError."""
    if lang is not None and not _LANGUAGE.fullmatch(lang):
        raise ValueError(f"{what} {lang!r} is not a language tag such as 'en-US' (letters, then '-' and "
                         "letters or digits, each part at most 8 long)")
    return lang


def _properties_of(value: Properties) -> tuple[tuple[str, str], ...]:
    pairs = tuple(value.items()) if isinstance(value, Mapping) else tuple(tuple(pair) for pair in value)
    seen: set[str] = set()
    for pair in pairs:
        if len(pair) != 2:
            raise ValueError(f"a property is a (name, value) pair, not {pair!r}")
        name, value_ = pair
        if not isinstance(name, str) or not _NMTOKEN.fullmatch(name):
            raise ValueError(f"property name {name!r} is not an XML name token (letters, digits, '.', '-', "
                             "'_' and ':')")
        if name in _DEDICATED:
            raise ValueError(f"property {name!r} has its own setting: DocumentSettings({_DEDICATED[name]}=...)")
        if not isinstance(value_, str):
            raise TypeError(f"property {name!r} must be a string (VoiceXML property values are text, with "
                            f"their units, e.g. '5s'), not {type(value_).__qualname__}")
        if name in seen:
            raise ValueError(f"property {name!r} is given twice")
        seen.add(name)
    return pairs  # type: ignore[return-value]


@wire
@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentSettings:
    """The language, fetch behaviour and VoiceXML properties of a call's documents.

    Every field is optional; a field left unset is not written, so the
    gateway's default (for the language) or the browser's applies.

    Args:
        lang: the documents' language (``xml:lang``); a turn's own ``lang`` wins.
        fetch_audio: audio played while the browser fetches (the ``fetchaudio``
            property; also played while the turn's result is posted).
        fetch_audio_delay_ms: how long a fetch may take before fetch audio starts.
        fetch_audio_minimum_ms: how long fetch audio plays at least, once started.
        fetch_timeout_ms: the default fetch timeout (``fetchtimeout``). The post
            of a turn's result keeps the gateway's own timeout, which its
            failover relies on.
        audio_fetch, document_fetch, grammar_fetch, object_fetch, script_fetch,
            data_fetch: default fetch hint, max age and max stale for that kind of
            resource (``audiofetchhint``, ``audiomaxage``, ...). Only the fetch
            timeout is per call, so these must not set ``timeout_ms``.
        properties: any other VoiceXML property by name, vendor ones included
            (``{"inputmodes": "dtmf", "bargeintype": "hotword", "com.vendor.x": "1"}``),
            as a dict or as ``(name, value)`` pairs; kept in the order given.
    """

    lang: str | None = None
    fetch_audio: str | None = None
    fetch_audio_delay_ms: int | None = None
    fetch_audio_minimum_ms: int | None = None
    fetch_timeout_ms: int | None = None
    audio_fetch: FetchSettings | None = None
    document_fetch: FetchSettings | None = None
    grammar_fetch: FetchSettings | None = None
    object_fetch: FetchSettings | None = None
    script_fetch: FetchSettings | None = None
    data_fetch: FetchSettings | None = None
    properties: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        check_lang(self.lang)
        for name in ("fetch_audio_delay_ms", "fetch_audio_minimum_ms", "fetch_timeout_ms"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ValueError(f"{name} must be a non-negative number of milliseconds, not {value!r}")
        if self.fetch_audio == "":
            raise ValueError("fetch_audio must be an audio URL, not empty")
        for kind in FETCH_KINDS:
            settings = getattr(self, f"{kind}_fetch")
            if settings is None:
                continue
            if not isinstance(settings, FetchSettings):
                raise TypeError(f"{kind}_fetch must be FetchSettings, not {type(settings).__qualname__}")
            if settings.timeout_ms is not None:
                raise ValueError(f"{kind}_fetch cannot set a timeout: VoiceXML has one fetch timeout for every "
                                 "kind of resource; set DocumentSettings(fetch_timeout_ms=...)")
        object.__setattr__(self, "properties", _properties_of(self.properties))

    def merged(self, override: DocumentSettings | None) -> DocumentSettings:
        """These settings with ``override`` on top: each field it sets wins, properties merge by name.

        Fetch defaults merge field by field too (an override that sets only a
        max age keeps the hint set here). A property both define keeps its
        place here and takes the override's value; the override's other
        properties follow, in their order.
        """
        if override is None:
            return self
        changes = {f.name: _over(getattr(self, f.name), getattr(override, f.name)) for f in fields(self)
                   if f.name != "properties" and getattr(override, f.name) is not None}
        theirs = dict(override.properties)
        properties = tuple((name, theirs.pop(name, value)) for name, value in self.properties)
        return DocumentSettings(**{**{f.name: getattr(self, f.name) for f in fields(self)}, **changes,
                                   "properties": properties + tuple(theirs.items())})

    def property_value(self, name: str) -> str | None:
        """The value of the free-form property ``name``, or None when it is not set."""
        return dict(self.properties).get(name)


def _over(mine: object, theirs: object) -> object:
    if isinstance(mine, FetchSettings) and isinstance(theirs, FetchSettings):
        return FetchSettings(**{f.name: getattr(theirs, f.name) if getattr(theirs, f.name) is not None
                                else getattr(mine, f.name) for f in fields(FetchSettings)})
    return theirs


NO_SETTINGS = DocumentSettings()
"""Nothing set: every document takes the gateway's and the browser's defaults."""
