"""Dialogues used only by the Ray and HTTP tests (call actors import this module by name)."""

from __future__ import annotations

import asyncio
import json

from runtime import (Call, DocumentSettings, Event, Exit, Grammar, HangUp, InputResult, Interaction, Message, Prompt,
                     Recognition, Recorded, Recording, dialogue)


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


def _texts(result: InputResult) -> list[str]:
    """What a result carried, as text: a recognition's utterance and interpretation, an event's name and message."""
    if isinstance(result, Recognition):
        return [result.utterance, json.dumps(result.interpretation, ensure_ascii=False)]
    if isinstance(result, Event):
        return [result.name, result.message]
    return []


@dialogue("echo")
class Echo:
    """Says back exactly what it received, one prompt per text, until the caller hangs up.

    First the ``text`` start parameter, then each result's utterance and its
    interpretation as JSON (or an event's name and message). The exit returns
    every text it heard, in order.
    """

    async def run(self, call: Call) -> Exit:
        said = [call.params.get("text", "")]
        heard = list(said)
        try:
            while True:
                result = await call.turn(Interaction(*(Prompt(text) for text in said if text), dtmf=Grammar(
                    "builtin:dtmf/digits"), speech=Grammar("https://grammars.example/anything.grxml"), name="echo"))
                said = _texts(result)
                heard.extend(said)
        except HangUp:
            return Exit(variables={"heard": heard})


@dialogue("configured")
class Configured:
    """Sets call-wide document settings, adds some for its first turn, then changes its language."""

    async def run(self, call: Call) -> Exit:
        call.configure(lang="fr-FR", fetch_audio="/audio/hold.wav", properties={"bargeintype": "hotword"})
        await call.turn(Message("Bonjour.", name="greeting"),
                        settings=DocumentSettings(fetch_audio_delay_ms=500, properties={"com.example.tone": "warm"}))
        call.configure(lang=call.params.get("lang", "de-DE"))
        await call.turn(Message("Guten Tag.", name="second"))
        return Exit(message=Message("Auf Wiedersehen."))


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
