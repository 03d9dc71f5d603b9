"""Golden documents for subdialog, object and script turns and for every last turn's options."""

from __future__ import annotations

import pytest

from gateway.render import RenderContext, render
from golden import assert_golden
from runtime._codec import pack, unpack
from runtime import (Disconnect, Exit, Expr, FetchSettings, Goto, Message, ObjectCall, Prompt, Ref, Return, Script,
                     Subdialog, Submit, connection_info)

CTX = RenderContext(call_id="c0ffee", seq=3, submit_url="/calls/c0ffee/turns/3", root_url="/root.vxml")
TEXT = "Zoë & \"Åsa\" <3 'n' 日本語 Привет 🎉"

CASES = {
    "subdialog-every-option": Subdialog(
        "https://apps.example.com/postcode.vxml?v=2&lang=en#ask",
        params={"country": "GB", "tries": 3, "hint": TEXT, "limits": {"min": 5, "max": 8},
                "caller": Expr("session.connection.remote.uri")},
        variables={"account": "A-1", "tags": ["x", TEXT]}, method="post", enctype="multipart/form-data",
        fetch=FetchSettings(timeout_ms=4000, max_age_s=60, max_stale_s=0, hint="prefetch"),
        fetch_audio="https://apps.example.com/hold.wav",
        on_return="var postcode = String(returned.postcode).replace(/\\s+/g, '') + '<&>';",
        returns="{postcode: postcode, city: returned.city}", name="postcode"),
    "subdialog-expr": Subdialog(Expr("application.componentUrl + '?step=' + step"), name="component"),
    "subdialog-get-namelist": Subdialog("/dialogues/postcode", variables={"caller": TEXT}, method="get",
                                        enctype="application/x-www-form-urlencoded"),
    "object-every-option": ObjectCall(
        "method://credit-card/gather", data="https://objects.example.com/card.dat?k=1&j=2",
        params={"amount": 12.5, "currency": "EUR", "label": TEXT,
                "grammar": Ref("https://g.example.com/card.grxml", "application/srgs+xml"),
                "caller": Expr("session.connection.remote.uri")},
        type="application/x-card", codetype="application/x-gather", codebase="https://objects.example.com/",
        archive=("lib/a.jar", "lib/b.jar"), fetch=FetchSettings(timeout_ms=3000, hint="safe"),
        on_return="var last4 = returned.number.slice(-4);", returns="last4", name="card"),
    "object-data": ObjectCall(data="https://objects.example.com/weather"),
    "script-code-variables": Script("var greeting = label + ' & ' + amounts.length + ' <items>';",
                                    variables={"label": TEXT, "amounts": [1, 2.5], "none": None,
                                               "caller": Expr("session.connection.remote.uri")},
                                    returns="{greeting: greeting, caller: caller}", name="greet"),
    "script-src-fetch": Script("var total = lib.sum([1, 2]);", src="https://scripts.example.com/lib.js?v=3&x=1",
                               charset="UTF-8", fetch=FetchSettings(timeout_ms=2000, max_age_s=300, max_stale_s=5,
                                                                    hint="prefetch"), returns="total"),
    "script-srcexpr-no-value": Script(src=Expr("application.libUrl")),
    "script-connection-info": connection_info(),
    "exit-value": Exit(value={"outcome": TEXT, "codes": [1, 2]}, message=Message("Goodbye.")),
    "exit-expr": Exit(value=Expr("lastOutcome")),
    "disconnect-variables": Disconnect({"reason": TEXT, "caller": Expr("session.connection.remote.uri")},
                                       Message(Prompt("Bye.", bargein=False))),
    "return-variables": Return({"postcode": "SW1A 1AA", "confirmed": True}, Message("Thank you.", lang="en-GB")),
    "return-event": Return(event="com.example.postcode.failed", event_message=TEXT),
    "return-eventexpr": Return(event=Expr("'app.' + reason"), event_message=Expr("detail")),
    "goto-next": Goto("https://other.example.com/app.vxml?from=rayvr&x=1",
                      FetchSettings(timeout_ms=5000, max_age_s=0, max_stale_s=10, hint="safe"),
                      fetch_audio="https://other.example.com/hold.wav", message=Message(TEXT)),
    "goto-expr": Goto(Expr("application.nextDocument")),
    "submit-post-multipart": Submit("https://crm.example.com/ivr/next?a=1&b=2",
                                    {"customer": "1234", "detail": {"tags": ["x", TEXT]}}, method="post",
                                    enctype="multipart/form-data", fetch=FetchSettings(timeout_ms=8000),
                                    fetch_audio="hold.wav", message=Message("One moment.")),
    "submit-get-expr": Submit(Expr("nextUrl"), {"step": 2}, method="get"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_invocations_and_last_turns_match_their_golden_documents(name: str) -> None:
    assert_golden(name, render(CASES[name], CTX))


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_turn_survives_the_checkpoint_codec_and_renders_the_same(name: str) -> None:
    # A restarted call shows the turn read back from its checkpoint.
    restored = unpack(pack(CASES[name]))
    assert restored == CASES[name]
    assert render(restored, CTX) == render(CASES[name], CTX)
