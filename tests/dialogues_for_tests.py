"""Dialogues used only by the Ray and HTTP tests (call actors import this module by name)."""

from __future__ import annotations

import asyncio

from runtime import Call, Exit, Message, Recorded, Recording, dialogue


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


@dialogue("record-and-play")
class RecordAndPlay:
    """Records the caller, asks again once if the recording was too large, plays it back, exits with its reference."""

    async def run(self, call: Call) -> Exit:
        result = await call.turn(Recording("Speak after the tone.", beep=True, name="record"))
        if isinstance(result, Recorded) and result.too_large:
            await call.turn(Message("That was too long to keep.", name="too-large"))
            result = await call.turn(Recording("Once more, shorter.", beep=True, name="record-again"))
        if not isinstance(result, Recorded):
            return Exit(variables={"location": None}, name="not-recorded")
        await call.turn(Message("You said:", result.audio, name="playback"))
        return Exit(variables={"location": result.location, "size": result.audio.size})
