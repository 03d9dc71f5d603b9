"""The deterministic driver, journal replay and the call runner, without Ray or HTTP."""

from __future__ import annotations

import asyncio

import pytest

import dialogues  # noqa: F401  (registers the examples)
from runtime import (Call, CallEnded, Disconnect, Exit, FutureTurn, Grammar, HangUp, Interaction, MemoryStore,
                     Message, NonDeterminismError, Played, Recognition, Hypothesis, StepFailed,
                     StoreUnavailable, UnjournaledAwaitError, register)
from runtime._runner import CallRunner, read_checkpoint
from runtime.testing import DialogueTest

DIGITS = Grammar("builtin:dtmf/digits")


def run(coro):
    return asyncio.new_event_loop().run_until_complete(coro)


def test_hello_plays_a_greeting_then_exits_with_the_name():
    t = DialogueTest("hello", {"name": "Ada"})
    assert isinstance(t.turn, Message)
    assert t.text == "Hello, Ada! Welcome to rayvr."
    t.played()
    assert t.last == Exit(variables={"greeted": "Ada"})
    assert t.journal == [["out", 1, "Message", "greeting"], ["in", 1, Played()], ["out", 2, "Exit", "exit"]]


def test_menu_escalates_reprompts_and_gives_up_after_three_tries():
    t = DialogueTest("menu")
    assert t.text == "Please key in your four digit customer number."
    t.no_input()
    assert t.text == "Sorry, I did not hear anything. Please key in your four digit customer number."
    t.no_match()
    assert t.turn.name == "customer-number-3"
    assert t.text == ("Sorry, that is not a valid choice. Please listen carefully. "
                      "Please key in your four digit customer number.")
    t.no_input()
    assert isinstance(t.last, Disconnect)
    assert t.last.message.name == "give-up"


def test_menu_speaks_back_the_number_collected_turns_earlier():
    t = DialogueTest("menu")
    t.dtmf("4711")
    t.dtmf("2", interpretation="support")
    assert t.text == "You chose support."
    t.played()
    assert "4711" in t.text
    t.played()
    assert t.last.variables == {"customer": "4711", "department": "support"}


class Unjournaled:
    errors: list = []

    async def run(self, call: Call):
        await asyncio.sleep(0)
        return Exit()

    def on_failure(self, error):
        Unjournaled.errors.append(error)
        return Disconnect(name="custom-failure")


def test_awaiting_anything_but_the_call_is_rejected_with_advice():
    t = DialogueTest(Unjournaled, call_id="c-unjournaled")
    assert t.last == Disconnect(name="custom-failure")
    error = Unjournaled.errors[-1]
    assert isinstance(error, UnjournaledAwaitError)
    assert t.failure is error
    assert error.call_id == "c-unjournaled"
    assert "call.step" in str(error)
    assert t.journal == [["failed", str(error)], ["out", 1, "Disconnect", "custom-failure"]]


class ReturnsNothing:
    async def run(self, call: Call):
        await call.turn(Message("hi"))


def test_run_must_return_a_last_turn():
    t = DialogueTest(ReturnsNothing)
    t.played()
    assert t.last.name == "disconnect"
    assert t.last.message.name == "failure"
    assert read_checkpoint(t.store, t.call_id).ended_by == "failure"


class Steps:
    calls = 0

    async def run(self, call: Call):
        async def lookup(account: str) -> dict:
            Steps.calls += 1
            await asyncio.sleep(0)  # real I/O is fine inside a step
            return {"account": account, "balance": 12.5}

        def broken() -> None:
            raise ConnectionError("backend down")

        stamp, luck, token = call.now(), call.random(), call.new_id()
        balance = await call.step(lookup, "A-1", name="lookup")
        try:
            await call.step(broken, name="broken")
        except StepFailed as failure:
            note = f"{failure.step}:{failure.error_type}"
        await call.turn(Message(f"{balance['balance']} {note} {stamp.isoformat()} {luck} {token}"))
        return Exit()


def test_steps_and_helpers_are_journaled_and_not_rerun_on_replay():
    Steps.calls = 0
    t = DialogueTest(Steps)
    before = t.text
    assert before.startswith("12.5 broken:ConnectionError ")
    assert Steps.calls == 1
    t.restart()
    t.played()
    assert Steps.calls == 1, "replay must take the step's value from the journal"
    kinds = [entry[0] for entry in t.journal]
    assert kinds == ["now", "random", "id", "step", "step", "out", "in", "out"]
    assert t.journal[3] == ["step", "lookup", True, {"account": "A-1", "balance": 12.5}]
    assert t.journal[4] == ["step", "broken", False, ["ConnectionError", "backend down"]]


def test_restarted_call_sees_the_same_time_random_and_ids():
    t = DialogueTest(Steps)
    first = t.text
    t.restart()
    replayed = CallRunner(t.call_id, t.store)
    replayed.restore()
    assert replayed.checkpoint.output.prompts[0].parts[0] == first


class Hangs:
    cleaned: list = []

    async def run(self, call: Call):
        try:
            await call.turn(Interaction("Say something", dtmf=DIGITS))
            return Exit()
        finally:
            Hangs.cleaned.append(call.id)


def test_hang_up_is_raised_inside_run_so_finally_runs():
    t = DialogueTest(Hangs, call_id="c-hangup")
    t.hang_up()
    assert Hangs.cleaned == ["c-hangup"]
    assert t.last == Exit(name="hangup")


class CatchesHangUp:
    async def run(self, call: Call):
        try:
            await call.turn(Interaction("Say something", dtmf=DIGITS))
        except HangUp as hangup:
            return Disconnect(variables={"turn": hangup.turn})
        return Exit()


def test_a_dialogue_can_catch_the_hang_up_and_choose_its_last_turn():
    t = DialogueTest(CatchesHangUp)
    t.hang_up()
    assert t.last == Disconnect(variables={"turn": 1})


def test_a_repeated_post_returns_the_same_turn_and_advances_nothing():
    t = DialogueTest("menu")
    runner = t._runner
    first = run(runner.advance(1, Recognition((Hypothesis("1234", "1234", 1.0, "dtmf"),))))
    again = run(runner.advance(1, Recognition((Hypothesis("9999", "9999", 1.0, "dtmf"),))))
    assert again.turn == first.turn and again.seq == first.seq == 2
    assert again.repeated and not first.repeated
    assert [e for e in t.journal if e[0] == "in"] == [["in", 1, first_result()]]


def first_result():
    return Recognition((Hypothesis("1234", "1234", 1.0, "dtmf"),))


def test_a_turn_from_the_future_is_refused():
    t = DialogueTest("menu", call_id="c-future")
    with pytest.raises(FutureTurn) as refused:
        run(t._runner.advance(5, Played()))
    assert (refused.value.call_id, refused.value.turn) == ("c-future", 5)
    assert t.reply.seq == 1


def test_an_ended_call_takes_no_result_for_its_last_turn_or_later():
    t = DialogueTest("hello", call_id="c-ended")
    t.played()
    for seq in (2, 3):
        with pytest.raises(CallEnded):
            run(t._runner.advance(seq, Played()))
    assert run(t._runner.advance(1, Played())).turn == Exit(variables={"greeted": "caller"})


class V1:
    async def run(self, call: Call):
        await call.turn(Message("one", name="one"))
        await call.turn(Message("two", name="two"))
        return Exit()


class V2:
    errors: list = []

    async def run(self, call: Call):
        await call.turn(Message("one", name="one"))
        await call.turn(Message("changed", name="changed"))
        return Exit()

    def on_failure(self, error):
        V2.errors.append(error)
        return Disconnect(name="code-changed")


def test_replay_after_a_code_change_is_detected_and_ends_the_call_cleanly():
    register("versioned", V1)
    t = DialogueTest("versioned", call_id="c-versioned")
    t.played()
    assert t.turn.name == "two"
    register_over("versioned", V2)
    t.restart()
    t.reply = run(t._runner.advance(2, Played()))
    assert t.last == Disconnect(name="code-changed")
    error = V2.errors[-1]
    assert isinstance(error, NonDeterminismError)
    assert error.call_id == "c-versioned"
    assert error.position == 2
    assert error.expected == ["out", 2, "Message", "two"]
    assert error.actual == ["out", 2, "Message", "changed"]
    assert "journal position 2" in str(error)
    assert t.journal[-2:] == [["failed", str(error)], ["out", 3, "Disconnect", "code-changed"]]


def register_over(name, cls):
    from runtime import _registry
    _registry._DIALOGUES[name] = cls


def test_two_instances_of_one_call_cannot_both_advance_it():
    t = DialogueTest("menu", call_id="c-zombie")
    zombie = CallRunner("c-zombie", t.store)
    zombie.restore()
    live = run(t._runner.advance(1, first_result()))
    late = run(zombie.advance(1, Recognition((Hypothesis("5555", "5555", 1.0, "dtmf"),))))
    assert late.repeated and late.seq == live.seq == 2
    assert [e for e in t.journal if e[0] == "in"] == [["in", 1, first_result()]]


class FlakyStore(MemoryStore):
    """A memory store whose writes can be made to fail, to show nothing is lost when they do."""

    def __init__(self):
        super().__init__()
        self.down = False

    def append(self, call_id, seq, record):
        if self.down:
            raise StoreUnavailable("store is down", call_id=call_id, turn=seq)
        super().append(call_id, seq, record)


def test_a_failed_checkpoint_write_fails_the_turn_and_loses_nothing():
    store = FlakyStore()
    runner = CallRunner("c-flaky", store)
    run(runner.start("menu", {}))
    store.down = True
    with pytest.raises(StoreUnavailable):
        run(runner.advance(1, first_result()))
    assert read_checkpoint(store, "c-flaky").seq == 1
    store.down = False
    reply = run(runner.advance(1, first_result()))
    assert (reply.seq, reply.turn.name, reply.repeated) == (2, "department-1", False)
    journal = read_checkpoint(store, "c-flaky").journal
    assert [e[0] for e in journal] == ["out", "in", "out"]


def test_a_failed_call_is_restored_as_ended_with_its_journal():
    t = DialogueTest(ReturnsNothing, call_id="c-replayed-failure")
    t.played()
    journal = t.journal
    assert journal[-2][0] == "failed"
    t.restart()
    assert t._runner.checkpoint.journal == journal and t._runner.checkpoint.final


def test_a_value_the_journal_cannot_hold_is_named_clearly():
    from runtime import _codec
    with pytest.raises(TypeError, match="integer 100000000000000000000000000000 is outside the 64-bit range"):
        _codec.pack({"n": 10 ** 29})


def test_purging_removes_only_calls_that_ended_long_enough_ago():
    from runtime import purge_ended

    store = MemoryStore()
    for call_id in ("ended", "live"):
        run(CallRunner(call_id, store).start("hello", {}))
    run(CallRunner("ended", store).advance(1, Played()))
    ended_at = read_checkpoint(store, "ended").ended_at
    assert isinstance(ended_at, float) and read_checkpoint(store, "live").ended_at is None
    assert purge_ended(store, older_than_s=3600, now=ended_at + 3599) == []
    assert purge_ended(store, older_than_s=3600, now=ended_at + 3600) == ["ended"]
    assert store.call_ids() == ["live"]
