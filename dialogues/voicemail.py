"""Voicemail: record a message, let the caller review it (listen, keep, record again), then say goodbye.

It shows the :class:`~runtime.Recording` turn and the two places a recording
can live:

* posted to the gateway (the default): the audio is streamed into the
  gateway's recordings storage and the dialogue holds a reference to it
  (``result.location``); playing ``result.audio`` fetches it back;
* kept on the platform (start parameter ``keep=platform``): the audio stays
  in the VoiceXML browser under a name, and ``result.audio`` plays it from
  there, without a round trip to the server.

A recording over the gateway's size limit arrives marked ``too_large`` and
the caller is asked for a shorter one. A hang-up while recording still saves
what was recorded (it arrives on the :class:`~runtime.HangUp` as ``partial``),
and so does a hang-up during the review.

Start parameters: ``mailbox`` (whose voicemail this is), ``keep=platform``.
"""

from __future__ import annotations

from runtime import (Call, Disconnect, Exit, HangUp, InlineGrammar, Interaction, Message, NoInput, Prompt,
                     Recognition, Recorded, Recording, dialogue)

MAX_RECORDINGS = 3
MAX_TRIES = 3
MAX_REVIEWS = 10
KEPT_AS = "voicemail"
REVIEW = InlineGrammar.choices({"1": "listen", "2": "keep", "3": "again"})


@dialogue("voicemail")
class Voicemail:
    """Records a message for ``mailbox``; exits with where the message is (or disconnects if there is none)."""

    async def run(self, call: Call) -> Exit | Disconnect:
        mailbox = call.params.get("mailbox", "the person you called")
        keep_as = KEPT_AS if call.params.get("keep") == "platform" else None
        latest: Recorded | None = None
        try:
            for attempt in range(1, MAX_RECORDINGS + 1):
                result = await call.turn(Recording(
                    Prompt(f"Please leave your message for {mailbox} after the tone. "
                           "Press any key when you are done."),
                    beep=True, max_time_ms=120_000, final_silence_ms=5000, dtmf_term=True, keep_as=keep_as,
                    ack=Prompt("Got it."), name=f"record-{attempt}"))
                if isinstance(result, Recorded) and result.too_large:
                    await call.turn(Message("Sorry, that message was too long to keep. Please make it shorter.",
                                            name="too-long"))
                    continue
                if not isinstance(result, Recorded):
                    heard = "I did not hear anything." if isinstance(result, NoInput) else "something went wrong."
                    await call.turn(Message(f"Sorry, {heard}", name="not-recorded"))
                    continue
                latest = result
                if await self.review(call, result) == "keep":
                    await call.turn(Message("Your message has been saved. Goodbye.", name="saved"))
                    return Exit(variables=saved(result))
            if latest is not None:
                await call.turn(Message("Your last message has been saved. Goodbye.", name="saved"))
                return Exit(variables=saved(latest))
            return Disconnect(message=Message("We could not record a message. Goodbye.", name="give-up"))
        except HangUp as hang_up:
            partial = hang_up.partial
            # What was being recorded when the caller hung up wins, unless it cannot be kept.
            usable = isinstance(partial, Recorded) and not partial.too_large and partial.audio is not None
            recorded = partial if usable else latest
            return Exit(variables=saved(recorded) if recorded is not None else {"message": None}, name="hung-up")

    async def review(self, call: Call, message: Recorded) -> str:
        """Offer to listen, keep or record again until the caller keeps or re-records; silence keeps it."""
        asked = failed = 0
        while failed < MAX_TRIES and asked < MAX_REVIEWS:
            asked += 1
            answer = await call.turn(Interaction(
                "To listen to your message, press 1. To keep it, press 2. To record it again, press 3.",
                dtmf=REVIEW, no_input_timeout_ms=5000, name=f"review-{asked}"))
            if not isinstance(answer, Recognition):
                failed += 1
            elif answer.interpretation == "listen":
                await call.turn(Message(Prompt("Here is your message.", bargein=False), message.audio,
                                        name=f"playback-{asked}"))
            else:
                return str(answer.interpretation)
        return "keep"


def saved(message: Recorded) -> dict[str, object]:
    """The exit variables that tell the platform where the message is."""
    audio = message.audio
    if not audio.playable:
        return {"message": None}
    return {"message": audio.location, "kept": audio.kept, "duration_ms": audio.duration_ms,
            "media_type": audio.media_type}
