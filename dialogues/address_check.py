"""Calls a subdialog and uses what it returns; reads the caller's number with a script turn.

1. :func:`~runtime.connection_info` reads the caller's number in the browser
   (``session.connection.remote.uri``).
2. A :class:`~runtime.Subdialog` collects the postcode: by default rayvr's own
   ``postcode`` dialogue (:mod:`dialogues.postcode`), or any VoiceXML
   subdialog at the start parameter ``postcode_url`` that returns a
   ``postcode`` variable. The caller's number is sent along (``namelist``,
   POST); a script run on return takes the postcode out of the returned
   object and removes spaces, so the dialogue gets a plain string.
3. The postcode is spoken back digit by digit; the call exits with it and the
   caller's number.

A subdialog that gives up (``postcode.failed``) or cannot be fetched
(``error.badfetch``) reaches the dialogue as a typed event; the call then
ends politely with the reason in its variables.
"""

from __future__ import annotations

from runtime import (Call, Disconnect, Event, Exit, FetchSettings, Message, Pause, SayAs, Subdialog, Value,
                     connection_info, dialogue, phone_number)

DEFAULT_POSTCODE_URL = "/dialogues/postcode"
FAILED_EVENT = "postcode.failed"
TAKE_POSTCODE = ("var postcode = returned.postcode === undefined || returned.postcode === null ? ''"
                 " : String(returned.postcode).replace(/\\s+/g, '');")


@dialogue("address-check")
class AddressCheck:
    """The caller's number by script, the postcode by subdialog, both spoken back and returned."""

    async def run(self, call: Call) -> Exit | Disconnect:
        info = await call.turn(connection_info(name="caller-number"))
        line = info.value if isinstance(info, Value) and isinstance(info.value, dict) else {}
        caller = phone_number(line.get("caller"))

        answer = await call.turn(Subdialog(
            call.params.get("postcode_url", DEFAULT_POSTCODE_URL),
            variables={"caller": caller} if caller else {}, method="post",
            fetch=FetchSettings(timeout_ms=10_000), on_return=TAKE_POSTCODE, returns="postcode", name="postcode"))

        if isinstance(answer, Value) and isinstance(answer.value, str) and answer.value:
            postcode = answer.value
            await call.turn(Message("Thank you. Your postcode is", Pause(200), SayAs(postcode, "characters"), ".",
                                    name="read-back"))
            return Exit({"postcode": postcode, "caller": caller})
        if isinstance(answer, Event) and answer.matches(FAILED_EVENT):
            return Disconnect({"outcome": "no-postcode"},
                              Message("We could not get your postcode. Please call again later. Goodbye.",
                                      name="give-up"))
        reason = answer.name if isinstance(answer, Event) else "empty-postcode"
        return Disconnect({"outcome": reason},
                          Message("Sorry, this service is not available right now. Goodbye.", name="unavailable"))
