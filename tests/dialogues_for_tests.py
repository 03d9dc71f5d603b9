"""Dialogues used only by the Ray and HTTP tests (call actors import this module by name)."""

from __future__ import annotations

import asyncio

from runtime import Call, Exit, Message, dialogue


async def _slow(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return "done"


@dialogue("slow-step")
class SlowStep:
    """Takes longer than the gateway's wait on its second turn: the browser gets a retry document."""

    async def run(self, call: Call) -> Exit:
        await call.turn(Message("Please wait.", name="wait"))
        outcome = await call.step(_slow, float(call.params.get("seconds", "3")), name="slow")
        await call.turn(Message(f"The back end said {outcome}.", name="result"))
        return Exit()
