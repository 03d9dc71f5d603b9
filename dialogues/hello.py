"""The smallest dialogue: say hello, then end the call."""

from __future__ import annotations

from runtime import Call, Exit, Message, dialogue


@dialogue("hello")
class Hello:
    """Greets the caller (by the ``name`` start parameter, if given) and exits."""

    async def run(self, call: Call) -> Exit:
        name = call.params.get("name") or "caller"
        if isinstance(name, list):  # ?name=a&name=b: the first one counts
            name = name[0]
        await call.turn(Message(f"Hello, {name}! Welcome to rayvr.", name="greeting"))
        return Exit(variables={"greeted": name})
