"""A component other applications call as a VoiceXML subdialog: collect a postcode and return it.

Another application (or :mod:`dialogues.address_check`) starts it with
``<subdialog src="https://rayvr.example/dialogues/postcode" namelist="caller" method="post"/>``;
the submitted variables arrive in ``call.params``. It ends with a
:class:`~runtime.Return`: the postcode as a returned variable, which the
calling dialog reads as ``returned.postcode``, or an event its catch handles.
"""

from __future__ import annotations

from runtime import Call, Grammar, Interaction, NoInput, NoMatch, Prompt, Recognition, Return, dialogue

MAX_TRIES = 3
LENGTH = 5
FAILED_EVENT = "postcode.failed"


@dialogue("postcode")
class Postcode:
    """Asks for a five digit postcode (keyed or spoken) up to three times; returns it, or throws ``postcode.failed``."""

    async def run(self, call: Call) -> Return:
        preface: tuple[str, ...] = ()
        for attempt in range(1, MAX_TRIES + 1):
            result = await call.turn(Interaction(
                *preface, Prompt(f"Please key in or say your {LENGTH} digit postcode."),
                dtmf=Grammar(f"builtin:dtmf/digits?length={LENGTH}"),
                speech=Grammar(f"builtin:grammar/digits?length={LENGTH}"),
                no_input_timeout_ms=6000, name=f"postcode-{attempt}"))
            if isinstance(result, Recognition):
                postcode = "".join(c for c in str(result.interpretation) if c.isdigit())
                if len(postcode) == LENGTH:
                    return Return({"postcode": postcode})
                preface = (f"Sorry, a postcode has {LENGTH} digits.",)
            elif isinstance(result, NoInput):
                preface = ("Sorry, I did not hear anything.",)
            elif isinstance(result, NoMatch):
                preface = ("Sorry, I did not get that.",)
            else:
                preface = ("Sorry, something went wrong.",)
        return Return(event=FAILED_EVENT, event_message=f"no postcode after {MAX_TRIES} tries")
