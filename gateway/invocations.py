"""VoiceXML for subdialog, object and script turns, and reading the value they post back.

Each turn's form ends by handing its value to ``rayvr.value`` (``root.js``),
which the document posts as ``{"value": {"data": <the value as JSON>}}``.
A subdialog's or object's result is the form item variable ``returned``;
a turn's ``on_return`` script runs in the form item's ``<filled>`` before
``returns`` is evaluated. Events (a failed fetch, a script error, the event a
subdialog returns) go to the document's catch-all, like every other turn's.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from lxml import etree

from gateway.render import (SUBMIT_FORM, RenderContext, _declare, _el, _js_literal, _literal_or_expr, fetch_attributes,
                            renderer)
from gateway.wire import Posted, bad, expect_field, expect_object, result_reader
from runtime._values import Expr, xml_safe
from runtime.invocations import RETURNED, ObjectCall, Ref, Script, Subdialog, Value

VALUE_KEY = "value"
MAX_DEPTH = 64  # nesting of a posted value; root.js cuts values off at 32 levels
_INT_RANGE = (-(2 ** 63), 2 ** 64 - 1)  # what the journal's msgpack can hold as an integer


def _record_value(expression: str | None) -> str:
    """The statement that hands ``expression``'s value to ``rayvr.value``.

    The expression is parenthesised so that a comma in it is the comma operator, not a second argument.
    """
    return "rayvr.value(null);" if expression is None else f"rayvr.value(({expression}));"


def _params(element: etree._Element, params: Mapping[str, Any]) -> None:
    """``<param>`` elements: text by value, :class:`Ref` as a reference, :class:`Expr` and other data as expressions."""
    for name, value in params.items():
        if isinstance(value, Ref):
            attributes = {"value": value.uri, "valuetype": "ref", "type": value.type}
        elif isinstance(value, Expr):
            attributes = {"expr": value.source}
        elif isinstance(value, str) and xml_safe(value):
            attributes = {"value": value}
        else:  # other data, and text XML cannot carry as it is (JSON escapes it)
            attributes = {"expr": _js_literal(value, f"parameter {name!r}")}
        _el(element, "param", {"name": name, **attributes})


def _on_return(item: etree._Element, on_return: str | None, returns: str) -> None:
    """The form item's ``<filled>``: the turn's script, then its value handed over and submitted."""
    filled = _el(item, "filled")
    if on_return is not None:
        _el(filled, "script", text=on_return)
    _el(filled, "script", text=_record_value(returns))
    _el(filled, "goto", {"next": f"#{SUBMIT_FORM}"})


@renderer(Subdialog)
def _subdialog(turn: Subdialog, ctx: RenderContext) -> etree._Element:
    form = _el(None, "form")
    namelist = _declare(form, turn.variables)  # dialog scope: where the subdialog's namelist is read
    item = _el(form, "subdialog", {"name": RETURNED, **_literal_or_expr(turn.src, "src", "srcexpr"),
                                   **fetch_attributes(turn.fetch), "fetchaudio": turn.fetch_audio,
                                   "method": turn.method, "enctype": turn.enctype, "namelist": namelist})
    _params(item, turn.params)
    _on_return(item, turn.on_return, turn.returns)
    return form


@renderer(ObjectCall)
def _object(turn: ObjectCall, ctx: RenderContext) -> etree._Element:
    form = _el(None, "form")
    item = _el(form, "object", {"name": RETURNED, "classid": turn.classid, "codebase": turn.codebase,
                                "data": turn.data, "type": turn.type, "codetype": turn.codetype,
                                "archive": " ".join(turn.archive) or None, **fetch_attributes(turn.fetch)})
    _params(item, turn.params)
    _on_return(item, turn.on_return, turn.returns)
    return form


@renderer(Script)
def _script(turn: Script, ctx: RenderContext) -> etree._Element:
    form = _el(None, "form")
    block = _el(form, "block")
    _declare(block, turn.variables)
    if turn.src is not None:
        _el(block, "script", {**_literal_or_expr(turn.src, "src", "srcexpr"), "charset": turn.charset,
                              **fetch_attributes(turn.fetch)})
    if turn.code is not None:
        _el(block, "script", text=turn.code)
    _el(block, "script", text=_record_value(turn.returns))
    _el(block, "goto", {"next": f"#{SUBMIT_FORM}"})
    return form


# --- reading the value ---------------------------------------------------------------------------


@result_reader(VALUE_KEY)
def _value(data: Any, posted: Posted) -> Value:
    item = expect_object(data, VALUE_KEY)
    return Value(_plain(expect_field(item, "data", VALUE_KEY), f"{VALUE_KEY}.data", 0))


def _plain(value: Any, where: str, depth: int) -> Any:
    """``value`` as the journal can hold it: integers msgpack cannot hold become floats, as in ECMAScript."""
    if depth > MAX_DEPTH:
        bad(f"{where} is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        return {key: _plain(item, f"{where}.{key}", depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    if isinstance(value, int) and not isinstance(value, bool) and not _INT_RANGE[0] <= value <= _INT_RANGE[1]:
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            bad(f"{where} is a number too large for ECMAScript")
        return number
    return value
