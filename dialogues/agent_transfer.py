"""Put the caller through to an agent; when no agent takes the call, offer a callback or another try.

A bridge transfer keeps the application in the call, so the caller comes back
to this dialogue when the transfer ends, with a typed outcome:

* talked to an agent (the agent hung up, or the call reached its time limit):
  thank the caller and end;
* busy, no answer, network busy, or the caller pressed star to stop waiting:
  say why, then offer a callback, another try (up to ``MAX_ATTEMPTS``), or
  to leave;
* the platform could not place the call (``TransferFailed``): the same
  offer, without another try when retrying cannot help (this line is not
  allowed to call the agents, or the destination is wrong).

A callback books the caller's number through a journaled step, so a restart
of the call's actor never books it twice. A hang-up at any point simply ends
the call (``HangUp`` propagates).
"""

from __future__ import annotations

import logging

from runtime import (BridgeTransfer, Call, Event, Exit, Grammar, InlineGrammar, Interaction, Message, NoInput,
                     NoMatch, Prompt, Recognition, SayAs, StepFailed, TransferFailed, TransferResult, TransferStatus,
                     dialogue)
from runtime.speech import Part

log = logging.getLogger("rayvr.dialogues.agent_transfer")

AGENT_LINE = "tel:+15550100"
HOLD_MUSIC = "https://example.com/audio/hold-music.wav"
CONNECT_TIMEOUT_MS = 25_000
MAX_TALK_MS = 30 * 60 * 1000
MAX_ATTEMPTS = 2
MAX_TRIES = 3
STOP_WAITING = InlineGrammar.choices({"*": "stop"})
CALLBACK_NUMBER = Grammar("builtin:dtmf/digits?minlength=7;maxlength=15")
YES_NO = InlineGrammar.choices({"1": "yes", "2": "no"})
# Failures another try cannot fix.
PERMANENT = ("noauthorization", "baddestination", "unsupported.transfer.bridge")
CONNECTED = (TransferStatus.FAR_END_DISCONNECT, TransferStatus.NETWORK_DISCONNECT, TransferStatus.MAXTIME_DISCONNECT)
WHY = {
    TransferStatus.BUSY: "All our agents are busy right now.",
    TransferStatus.NO_ANSWER: "None of our agents could answer.",
    TransferStatus.NETWORK_BUSY: "The telephone network is busy.",
    TransferStatus.NEAR_END_DISCONNECT: "You stopped waiting.",
}


def request_callback(number: str, call_id: str) -> str:
    """Book a callback to ``number``; give back the booking's reference.

    Replace the body with your queue or CRM call (it may be ``async``); it
    runs once per call, its result is journaled.
    """
    log.info("callback requested to %s", number, extra={"call_id": call_id})
    return f"CB-{call_id[:8]}-{number[-4:]}"


@dialogue("agent-transfer")
class AgentTransfer:
    """An agent on the line, or a callback booked; exits with ``outcome`` and what goes with it."""

    async def run(self, call: Call) -> Exit:
        attempt = 0
        while True:
            attempt += 1
            result = await call.turn(BridgeTransfer(
                Prompt("Please hold while we connect you to an agent." if attempt == 1 else "Let us try again."),
                "To stop waiting, press star.",
                dest=AGENT_LINE, aai=f"rayvr-call={call.id}", connect_timeout_ms=CONNECT_TIMEOUT_MS,
                max_time_ms=MAX_TALK_MS, transfer_audio=HOLD_MUSIC, cancel_dtmf=STOP_WAITING,
                name=f"agent-{attempt}"))
            if isinstance(result, TransferResult) and talked(result):
                return after_talk(result)
            reason, can_retry = why_not(result)
            choice = await offer(call, reason, can_retry and attempt < MAX_ATTEMPTS)
            if choice == "retry":
                continue
            if choice == "callback":
                return await book_callback(call)
            return Exit({"outcome": "no-agent", "attempts": attempt},
                        Message("Thank you for calling. Goodbye.", name="goodbye"))


def talked(result: TransferResult) -> bool:
    """Whether the caller was connected to an agent (a star pressed mid-conversation also ends the talk)."""
    return result.status in CONNECTED or (result.status is TransferStatus.NEAR_END_DISCONNECT and result.duration_s > 0)


def after_talk(result: TransferResult) -> Exit:
    if result.status is TransferStatus.MAXTIME_DISCONNECT:
        closing = "We are sorry, your call reached its time limit. Thank you for calling. Goodbye."
    else:
        closing = "Your call with our agent has ended. Thank you for calling. Goodbye."
    return Exit({"outcome": "talked", "talk_s": result.duration_s}, Message(closing, name="after-talk"))


def why_not(result: object) -> tuple[str, bool]:
    """What to tell the caller about a transfer that did not reach an agent, and whether trying again may help."""
    if isinstance(result, TransferResult):
        return WHY.get(result.status, "We could not connect you to an agent."), True
    if isinstance(result, TransferFailed):
        if result.reason in PERMANENT:
            return "We cannot connect you to an agent from this line.", False
        return "We could not reach our agents.", True
    if isinstance(result, Event):
        log.warning("transfer ended with %s: %s", result.name, result.message)
    return "Something went wrong while connecting you.", True


async def offer(call: Call, reason: str, can_retry: bool) -> str | None:
    """Offer a callback, another try (if ``can_retry``) or to leave; the choice, or None."""
    choices = {"1": "callback", "2": "retry", "3": "leave"} if can_retry else {"1": "callback", "3": "leave"}
    options = "To be called back, press 1. " + ("To try again, press 2. " if can_retry else "") + "To leave, press 3."
    answer = await ask(call, "fallback", (f"{reason} {options}",), InlineGrammar.choices(choices))
    return None if answer is None else str(answer.interpretation)


async def book_callback(call: Call) -> Exit:
    """Take the number to call back, read it back for confirmation, and book it."""
    for _ in range(2):
        keyed = await ask(call, "callback-number", ("Please key in the number we should call you back on, then "
                                                    "press the hash key.",), CALLBACK_NUMBER)
        if keyed is None:
            break
        number = str(keyed.interpretation).replace(" ", "")
        confirm = await ask(call, "callback-confirm", ("We will call you back on ", SayAs(number, "telephone"),
                                                       ". If that is right, press 1. To key it again, press 2."),
                            YES_NO)
        if confirm is None:
            break
        if confirm.interpretation != "yes":
            continue
        try:
            reference = await call.step(request_callback, number, call.id, name="request-callback")
        except StepFailed:
            return Exit({"outcome": "callback-failed"},
                        Message("We are sorry, we could not book your callback. Please call again later.",
                                name="callback-failed"))
        return Exit({"outcome": "callback", "number": number, "reference": reference},
                    Message("Thank you. An agent will call you back on ", SayAs(number, "telephone"), ". Goodbye.",
                            name="callback-booked"))
    return Exit({"outcome": "no-callback"}, Message("We could not take your number. Goodbye.", name="goodbye"))


async def ask(call: Call, name: str, question: tuple[Part, ...],
              grammar: Grammar | InlineGrammar) -> Recognition | None:
    """Ask up to MAX_TRIES times, saying what went wrong before each new try; the answer, or None."""
    preface: tuple[str, ...] = ()
    for attempt in range(1, MAX_TRIES + 1):
        result = await call.turn(Interaction(*preface, Prompt(*question), dtmf=grammar, no_input_timeout_ms=6000,
                                             name=f"{name}-{attempt}"))
        if isinstance(result, Recognition):
            return result
        if isinstance(result, NoInput):
            preface = ("Sorry, I did not hear anything.",)
        elif isinstance(result, NoMatch):
            preface = ("Sorry, I did not get that.",)
        else:
            preface = ("Sorry, something went wrong.",)
    return None
