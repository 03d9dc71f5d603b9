"""What a turn hands to the browser's ECMAScript: expressions, variable names, plain data and text.

Turns check these when they are built, with the same rules the gateway
applies when it renders them: a value the renderer would refuse after the
turn was checkpointed would leave the call with no document to show.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping

from runtime._codec import wire

IDENTIFIER = re.compile(r"[A-Za-z$](?:[A-Za-z0-9_$]*[A-Za-z0-9_])?")
RESERVED = frozenset("""
    break case catch continue default delete do else finally for function if in instanceof new return switch
    this throw try typeof var void while with abstract boolean byte char class const debugger double enum
    export extends final float goto implements import int interface long native package private protected
    public short static super synchronized throws transient volatile null true false""".split())
# Declaring one of these would hide a VoiceXML scope from every expression after it.
SCOPES = frozenset({"session", "application", "document", "dialog"})
# rayvr's own names in the documents it renders (the root script object, form items, counters).
OWN_PREFIX = "rayvr"

NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # what XML 1.0 cannot hold
_TOKEN = re.compile(r"[A-Za-z0-9._:-]+")


@wire
@dataclass(frozen=True, slots=True)
class Expr:
    """An ECMAScript expression the browser evaluates, where a turn otherwise takes a value or a URL.

    ``Expr("session.connection.remote.uri")`` as a variable or parameter value
    passes what the expression evaluates to; as a URL (a subdialog's source,
    a goto's or submit's next document) it is rendered as ``srcexpr``/``expr``.
    Plain Python values are always passed as data, never evaluated.
    """

    source: str

    def __post_init__(self) -> None:
        xml_text(self.source, "an expression")
        if not self.source.strip():
            raise ValueError("an expression cannot be empty")


def variable_name(name: str, what: str = "variable") -> str:
    """``name`` if VoiceXML accepts it as a variable name, else :class:`ValueError`."""
    if not isinstance(name, str):
        raise TypeError(f"{what} names must be strings, not {type(name).__qualname__}")
    if not IDENTIFIER.fullmatch(name) or name in RESERVED:
        raise ValueError(f"{name!r} cannot be a VoiceXML variable name: use an ECMAScript identifier of ASCII "
                         "letters, digits, '_' and '$' that does not start with a digit or '_', does not end "
                         "with '$' (unless it is just '$') and is not a reserved word")
    return name


def own_variable_name(name: str, what: str = "variable") -> str:
    """A variable name a dialogue may declare: a VoiceXML variable name that hides no scope and no rayvr name."""
    variable_name(name, what)
    if name in SCOPES:
        raise ValueError(f"{what} {name!r} would hide the VoiceXML {name} scope; choose another name")
    if name.startswith(OWN_PREFIX):
        raise ValueError(f"{what} {name!r}: names starting with {OWN_PREFIX!r} are rayvr's own")
    return name


def plain(value: Any, what: str = "value") -> Any:
    """``value`` if it is plain data ECMAScript can hold (JSON without NaN or infinities), else :class:`ValueError`."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as error:
        raise ValueError(f"{what} cannot be passed to VoiceXML: {error}") from error
    return value


def value_or_expr(value: Any, what: str = "value") -> Any:
    """``value`` if it is an :class:`Expr` or plain data."""
    return value if isinstance(value, Expr) else plain(value, what)


def variables(values: Mapping[str, Any], what: str = "variable") -> dict[str, Any]:
    """Variables a turn declares: own variable names, each with plain data or an :class:`Expr`."""
    if not isinstance(values, Mapping):
        raise TypeError(f"{what}s must be a mapping of names to values, not {type(values).__qualname__}")
    return {own_variable_name(name, what): value_or_expr(value, f"{what} {name!r}") for name, value in values.items()}


def xml_text(text: str, what: str) -> str:
    """``text`` if it is a string XML can carry (no control characters but tab and newlines), else an error."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a string, not {type(text).__qualname__}")
    bad = NOT_XML.search(text)
    if bad:
        raise ValueError(f"{what} holds {bad.group()!r}, which XML cannot carry")
    return text


def xml_safe(text: str) -> bool:
    """Whether XML can carry ``text`` as it is."""
    return NOT_XML.search(text) is None


def url(value: str, what: str) -> str:
    """A URL (or any URI reference): non-empty text XML can carry."""
    xml_text(value, what)
    if not value.strip():
        raise ValueError(f"{what} cannot be empty")
    return value


def url_or_expr(value: str | Expr, what: str) -> str | Expr:
    """A URL, or an :class:`Expr` that evaluates to one."""
    return value if isinstance(value, Expr) else url(value, what)


def token(value: str, what: str) -> str:
    """An XML name token of ASCII letters, digits and ``._:-`` (event names, parameter names)."""
    if not isinstance(value, str) or not _TOKEN.fullmatch(value):
        raise ValueError(f"{what} {value!r} must be ASCII letters, digits, '.', '_', ':' and '-' only")
    return value


def choice(value: str | None, allowed: tuple[str, ...], what: str) -> str | None:
    """``value`` if it is None or one of ``allowed``."""
    if value is not None and value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(map(repr, allowed))}, not {value!r}")
    return value


METHODS = ("get", "post")
ENCTYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def submission(method: str | None, enctype: str | None, what: str) -> None:
    """Check how a request with variables is sent: GET or POST, URL-encoded or multipart (POST only)."""
    choice(method, METHODS, f"{what}'s method")
    choice(enctype, ENCTYPES, f"{what}'s enctype")
    if enctype == "multipart/form-data" and method != "post":
        raise ValueError(f"{what}: multipart/form-data needs method='post'")
