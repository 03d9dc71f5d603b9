"""A DTMF menu: collect a customer number, offer a menu with escalating re-prompts, speak the number back.

It shows the patterns most call flows need: a retry loop with a maximum
number of tries, re-prompts that change with the kind of failure, and state
(the customer number) kept in plain local variables across many turns, which
survives the loss of the node serving the call.
"""

from __future__ import annotations

from runtime import (Call, Disconnect, Exit, Grammar, InlineGrammar, Interaction, Message, NoInput,
                     NoMatch, Pause, Prompt, Prosody, Recognition, SayAs, dialogue)

MAX_TRIES = 3
DEPARTMENTS = {"1": "sales", "2": "support"}


async def ask(call: Call, name: str, question: str, grammar: Grammar | InlineGrammar) -> Recognition | None:
    """Ask ``question`` up to MAX_TRIES times; the recognition, or None when every try failed.

    Each re-prompt first says what went wrong (silence, a wrong key, an
    error); the last one adds a short pause and asks again, more slowly.
    """
    preface: tuple[Prompt, ...] = ()
    for attempt in range(1, MAX_TRIES + 1):
        last = attempt == MAX_TRIES
        ask_again = Prompt(Prosody(question, rate="slow")) if last and attempt > 1 else Prompt(question)
        result = await call.turn(Interaction(*preface, ask_again, dtmf=grammar, no_input_timeout_ms=5000,
                                             name=f"{name}-{attempt}"))
        if isinstance(result, Recognition):
            return result
        if isinstance(result, NoInput):
            preface = (Prompt("Sorry, I did not hear anything."),)
        elif isinstance(result, NoMatch):
            preface = (Prompt("Sorry, that is not a valid choice."),)
        else:  # an error event: try again with the same question
            preface = (Prompt("Sorry, something went wrong."),)
        if attempt == MAX_TRIES - 1:
            preface += (Prompt("Please listen carefully.", Pause(500)),)
    return None


@dialogue("menu")
class Menu:
    """Customer number, then sales or support, then the number spoken back; exits with both."""

    async def run(self, call: Call) -> Exit | Disconnect:
        number = await ask(call, "customer-number", "Please key in your four digit customer number.",
                           Grammar("builtin:dtmf/digits?length=4"))
        if number is None:
            return Disconnect(message=Message("We could not get your customer number. Goodbye.", name="give-up"))
        customer = str(number.interpretation)

        choice = await ask(call, "department", "For sales, press 1. For support, press 2.",
                           InlineGrammar.choices(DEPARTMENTS))
        if choice is None:
            return Disconnect(message=Message("We could not get your choice. Goodbye.", name="give-up"))
        department = str(choice.interpretation)

        await call.turn(Message(f"You chose {department}.", name="confirm-department"))
        await call.turn(Message("Your customer number is", Pause(200), SayAs(customer, "digits"),
                                ". Goodbye.", name="read-back"))
        return Exit(variables={"customer": customer, "department": department})
