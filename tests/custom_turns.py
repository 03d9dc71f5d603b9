"""A custom output turn added the way the README shows, without changing rayvr: the numbers of the call.

``ReadLine`` asks the browser for the caller's and the called number (the
``session.connection`` variables); the browser posts them under its own key,
``line``, which a result reader turns into a typed ``Line``. The turn, its
renderer, its result and the reader live in one module that is listed in
``--dialogues``, so the gateway (which renders and reads) and the call
actors (which journal the turn and the result) both import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from gateway.render import SUBMIT_FORM, RenderContext, element, renderer
from gateway.wire import Posted, bad, expect_object, result_reader
from runtime import Call, Exit, InputResult, Message, OutputTurn, dialogue, wire


@wire
@dataclass(frozen=True, slots=True)
class ReadLine(OutputTurn):
    """Read the caller's and the called number; the result is a :class:`Line` (or an event)."""

    name: str = "read-line"


@wire
@dataclass(frozen=True, slots=True)
class Line(InputResult):
    """The numbers of the call, as the platform reports them (None when it does not)."""

    caller: str | None
    called: str | None


@renderer(ReadLine)
def _read_line(turn: ReadLine, ctx: RenderContext) -> etree._Element:
    form = element(None, "form")
    block = element(form, "block")
    element(block, "script", text="var connection = session.connection;\n"
                                  "rayvr.result.line = {caller: connection.remote.uri, called: connection.local.uri};")
    element(block, "goto", {"next": f"#{SUBMIT_FORM}"})
    return form


@result_reader("line")
def _line(value: Any, posted: Posted) -> Line:
    line = expect_object(value, "line")
    numbers = {key: line.get(key) for key in ("caller", "called")}
    for key, number in numbers.items():
        if number is not None and not isinstance(number, str):
            bad(f"line.{key} is not a string")
    return Line(**numbers)


@dialogue("caller-line")
class CallerLine:
    """Greets the caller by the number they call from, and returns both numbers."""

    async def run(self, call: Call) -> Exit:
        line = await call.turn(ReadLine())
        if not isinstance(line, Line):
            return Exit(variables={"caller": None})
        await call.turn(Message(f"You are calling {line.called} from {line.caller}.", name="greeting"))
        return Exit(variables={"caller": line.caller, "called": line.called})
