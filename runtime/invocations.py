"""Invocations: turns that run something in the browser and give back its value.

* :class:`Subdialog` calls a VoiceXML subdialog (a dialog of another
  application, or another rayvr dialogue) and gives back what it returns.
* :class:`ObjectCall` runs a platform object (``<object>``) and gives back its result.
* :class:`Script` runs ECMAScript in the browser and gives back the value of
  an expression; :func:`connection_info` is a ready-made one that reads the
  caller's and the called number (``session.connection.*``).

Each of them gives back a :class:`Value`, whose ``value`` is plain Python data
(dict, list, str, int, float, bool or None), exactly as the browser's
ECMAScript value was::

    result = await call.turn(Subdialog("https://apps.example.com/postcode.vxml", name="postcode"))
    if isinstance(result, Value):
        postcode = result.value["postcode"]
    elif isinstance(result, Event) and result.matches("error.badfetch"):
        ...  # the subdialog could not be fetched

or an :class:`~runtime.results.Event`: ``error.badfetch`` when a subdialog or
script cannot be fetched, ``error.semantic`` when ECMAScript fails,
``error.unsupported.objectname`` for an object the platform does not have, or
the event a subdialog returned with ``<return event=... message=...>``. A
hang-up is raised as :class:`~runtime.HangUp`, as for every turn.

The value is wrapped, not given back bare, so that every turn gives back a
typed result and an event can never be mistaken for a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from runtime import _values
from runtime._codec import wire
from runtime._values import Expr
from runtime.results import InputResult
from runtime.fetching import FetchSettings
from runtime.turns import OutputTurn

RETURNED = "returned"
"""The variable that holds what a subdialog or an object returned, in ``on_return`` and ``returns``."""


@wire
@dataclass(frozen=True, slots=True)
class Value(InputResult):
    """What a script, subdialog or object turn produced: plain data (dict, list, str, int, float, bool, None).

    ECMAScript ``undefined`` arrives as None; numbers arrive as int when they
    are whole and as float otherwise.
    """

    value: Any = None


@wire
@dataclass(frozen=True, slots=True)
class Ref:
    """An object parameter given as a URI (``valuetype="ref"``), with the media type of what it points to."""

    uri: str
    type: str | None = None

    def __post_init__(self) -> None:
        _values.url(self.uri, "a reference parameter's URI")
        if self.type is not None:
            _values.xml_text(self.type, "a reference parameter's type")


def _code(code: str | None, what: str) -> str | None:
    if code is not None:
        _values.xml_text(code, what)
        if not code.strip():
            raise ValueError(f"{what} cannot be empty; leave it out instead")
    return code


def _fetch(settings: FetchSettings | None) -> FetchSettings | None:
    if settings is not None and not isinstance(settings, FetchSettings):
        raise TypeError(f"fetch settings must be FetchSettings, not {type(settings).__qualname__}")
    return settings


def _params(params: Mapping[str, Any], name_check: Callable[[str, str], str], refs: bool,
            what: str) -> dict[str, Any]:
    if not isinstance(params, Mapping):
        raise TypeError(f"{what} parameters must be a dict of names to values, not {type(params).__qualname__}")
    for name, value in params.items():
        name_check(name, f"{what} parameter")
        if not (refs and isinstance(value, Ref)):
            _values.value_or_expr(value, f"{what} parameter {name!r}")
    return dict(params)


def _returning(turn: Any, what: str) -> None:
    """Checks shared by the turns whose result is held in :data:`RETURNED`."""
    _code(turn.on_return, f"the {what}'s on_return script")
    _code(turn.returns, f"the {what}'s returns expression")
    _fetch(turn.fetch)


@wire
@dataclass(frozen=True, slots=True)
class Subdialog(OutputTurn):
    """Call a VoiceXML subdialog and give back what it returns as a :class:`Value` (or the event it throws).

    The subdialog runs in its own context, on the platform; when it ends with
    ``<return namelist="a b"/>`` the value is ``{"a": ..., "b": ...}``; when
    it ends with ``<return event="x" message="m"/>`` the result is
    ``Event("x", "m")``.

    Args:
        src: the subdialog's URL (``#form`` in it allowed), or an
            :class:`Expr` that evaluates to it (``srcexpr``).
        params: initial values of the subdialog's own ``<var>`` declarations
            (``<param>``): a ``str`` is passed as it is (``value``), other
            plain data as its ECMAScript literal, an :class:`Expr` evaluated.
            A subdialog must declare every parameter it is given.
        variables: declared in the calling document and sent with the request
            for the subdialog (``namelist``), as query or form parameters; a
            rayvr dialogue started this way gets them in ``call.params``.
        method: ``"get"`` or ``"post"`` for that request (None: the browser's default, GET).
        enctype: ``"application/x-www-form-urlencoded"`` or, with POST, ``"multipart/form-data"``.
        fetch: how the browser fetches the subdialog.
        fetch_audio: audio played while it is fetched (a URL).
        on_return: ECMAScript run after the subdialog returns, before the
            value is taken; what it returned is the variable ``returned``.
        returns: the ECMAScript expression whose value is given back
            (default: the whole returned object).
        name: the turn's name, in logs and the journal.
    """

    src: str | Expr
    params: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    method: str | None = None
    enctype: str | None = None
    fetch: FetchSettings | None = None
    fetch_audio: str | None = None
    on_return: str | None = None
    returns: str = RETURNED
    name: str = "subdialog"

    def __post_init__(self) -> None:
        _values.url_or_expr(self.src, "the subdialog's source")
        object.__setattr__(self, "params", _params(self.params, _values.variable_name, False, "subdialog"))
        object.__setattr__(self, "variables", _values.variables(self.variables, "submitted variable"))
        if RETURNED in self.variables:
            raise ValueError(f"submitted variable {RETURNED!r} would hide what the subdialog returns")
        _values.submission(self.method, self.enctype, "a subdialog")
        if self.fetch_audio is not None:
            _values.url(self.fetch_audio, "the subdialog's fetch audio")
        _returning(self, "subdialog")


@wire
@dataclass(frozen=True, slots=True)
class ObjectCall(OutputTurn):
    """Run a platform object (``<object>``) and give back its result as a :class:`Value`.

    What objects exist, and what they take and give back, is up to the
    platform; one it does not support gives back
    ``Event("error.unsupported.objectname")``.

    Args:
        classid: the URI of the object's implementation.
        data: the URI of the object's data.
        params: the object's parameters (``<param>``): a ``str`` passed as it
            is, other plain data as its ECMAScript literal, an :class:`Expr`
            evaluated, a :class:`Ref` as a URI (``valuetype="ref"``).
        type: the media type of ``data``.
        codetype: the media type of the implementation at ``classid``.
        codebase: the base URI for relative ``classid``, ``data`` and ``archive``.
        archive: URIs of resources the object needs.
        fetch: how the browser fetches the object.
        on_return: ECMAScript run after the object returns; its result is the variable ``returned``.
        returns: the ECMAScript expression whose value is given back (default: the whole result).
        name: the turn's name, in logs and the journal.
    """

    classid: str | None = None
    data: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    type: str | None = None
    codetype: str | None = None
    codebase: str | None = None
    archive: tuple[str, ...] = ()
    fetch: FetchSettings | None = None
    on_return: str | None = None
    returns: str = RETURNED
    name: str = "object"

    def __post_init__(self) -> None:
        if self.classid is None and self.data is None:
            raise ValueError("an object needs a classid, a data URI, or both")
        for what in ("classid", "data", "codebase"):
            if getattr(self, what) is not None:
                _values.url(getattr(self, what), f"the object's {what}")
        for what in ("type", "codetype"):
            if getattr(self, what) is not None:
                _values.xml_text(getattr(self, what), f"the object's {what}")
        archive = (self.archive,) if isinstance(self.archive, str) else tuple(self.archive)
        for uri in archive:
            if re.search(r"\s", _values.url(uri, "an object archive URI")):
                raise ValueError(f"object archive URI {uri!r} cannot hold white space (archive is a list of URIs)")
        object.__setattr__(self, "archive", archive)
        object.__setattr__(self, "params", _params(self.params, _values.token, True, "object"))
        _returning(self, "object")


@wire
@dataclass(frozen=True, slots=True)
class Script(OutputTurn):
    """Run ECMAScript in the browser and give back the value of ``returns`` as a :class:`Value`.

    Runs, in order: the variables' declarations, the script at ``src``, then
    ``code``; ``returns`` is evaluated last, where all of them are visible,
    including session variables (``session.connection.remote.uri``...). With
    no ``returns`` the value is None. A script that fails gives back
    ``Event("error.semantic", ...)``; one that cannot be fetched,
    ``Event("error.badfetch", ...)``.

    Args:
        code: ECMAScript source.
        src: the URL of a script to run first, or an :class:`Expr` that evaluates to it.
        variables: declared before anything runs, from Python values (plain
            data as its ECMAScript literal, an :class:`Expr` evaluated).
        returns: the ECMAScript expression whose value is given back.
        charset: the character encoding of the script at ``src``.
        fetch: how the browser fetches the script at ``src``.
        name: the turn's name, in logs and the journal.
    """

    code: str | None = None
    src: str | Expr | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    returns: str | None = None
    charset: str | None = None
    fetch: FetchSettings | None = None
    name: str = "script"

    def __post_init__(self) -> None:
        _code(self.code, "a script's code")
        _code(self.returns, "a script's returns expression")
        if self.code is None and self.src is None and self.returns is None:
            raise ValueError("a script needs code, a src URL or a returns expression")
        if self.src is not None:
            _values.url_or_expr(self.src, "a script's src")
        elif self.charset is not None or self.fetch is not None:
            raise ValueError("a script's charset and fetch settings are for the script at src; give a src")
        if self.charset is not None:
            _values.token(self.charset, "a script's charset")
        _fetch(self.fetch)
        object.__setattr__(self, "variables", _values.variables(self.variables, "script variable"))


# --- the caller's and the called number -------------------------------------------------------

_CONNECTION = """function connection() {
    var c = session.connection || {}, local = c.local || {}, remote = c.remote || {},
        protocol = c.protocol || {}, redirect = c.redirect || [], hops = [], i, hop;
    function text(value) {
        return value === undefined || value === null ? null : String(value);
    }
    for (i = 0; i < redirect.length; i += 1) {
        hop = redirect[i] || {};
        hops.push({uri: text(hop.uri), pi: text(hop.pi), si: text(hop.si), reason: text(hop.reason)});
    }
    return {caller: text(remote.uri), called: text(local.uri), protocol: text(protocol.name),
            protocol_version: text(protocol.version), redirect: hops, aai: text(c.aai),
            originator: c.originator === undefined || c.originator === null ? null :
                c.originator === remote ? "remote" : c.originator === local ? "local" : null};
}"""


def connection_info(name: str = "connection") -> Script:
    """A script whose value describes the call's connection (VoiceXML ``session.connection.*``).

    The value is a dict: ``caller`` (``session.connection.remote.uri``, for
    example ``"tel:+442079460958"``), ``called`` (``local.uri``),
    ``protocol`` and ``protocol_version`` (``protocol.name``/``.version``),
    ``redirect`` (a list of ``{"uri", "pi", "si", "reason"}``), ``aai``, and
    ``originator`` (``"remote"``, ``"local"`` or None). What the platform does
    not provide is None (an empty list for ``redirect``). :func:`phone_number`
    takes the number out of a ``tel:`` or ``sip:`` URI.
    """
    return Script(_CONNECTION, returns="connection()", name=name)


_VISUAL_SEPARATORS = re.compile(r"[\s().\-]")
_NUMBER = re.compile(r"\+?[0-9*#]*[0-9][0-9*#]*")


def phone_number(uri: Any) -> str | None:
    """The phone number in a ``tel:``/``sip:`` URI or a bare number (``"tel:+1-201-555-0123"`` → ``"+12015550123"``).

    None when there is none (``None``, ``"sip:alice@example.com"``, ``"anonymous"``, anything but a string):
    the value comes from the browser and may be anything.
    """
    if not uri or not isinstance(uri, str):
        return None
    text = uri.strip()
    scheme, colon, rest = text.partition(":")
    if colon:
        if scheme.lower() not in ("tel", "sip", "sips"):
            return None
        text = rest
    text = re.split(r"[;@?]", text, maxsplit=1)[0]
    number = _VISUAL_SEPARATORS.sub("", text)
    return number if _NUMBER.fullmatch(number) else None

