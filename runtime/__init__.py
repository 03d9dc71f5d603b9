"""rayvr's runtime: write a call flow as sequential code; every call is durable.

A dialogue is a class registered under a name, with ``async def run(self, call)``.
It awaits output turns on the call and returns a last turn::

    from runtime import Exit, Interaction, Grammar, Message, dialogue

    @dialogue("hello")
    class Hello:
        async def run(self, call):
            await call.turn(Message("Hello!"))
            return Exit()

Everything a user needs is importable from here; the driver, the actor and
the stores' machinery live in private modules.
"""

from runtime._actor import (NAMESPACE, CallActor, CallConfig, CallPool, actor_name, create_call_actor,
                            find_call_actor)
from runtime._codec import wire
from runtime._driver import Call
from runtime._log import configure_logging
from runtime._registry import dialogue, import_dialogues, lookup, register, registered
from runtime._runner import Checkpoint, CallRunner, Reply, read_checkpoint
from runtime._stores import CheckpointStore, MemoryStore, RayKVStore
from runtime.errors import (BadResult, CallBusy, CallEnded, CallNotFound, DialogueError, FencingError,
                            FutureTurn, HangUp, NonDeterminismError, RayvrError, StepFailed, StoreError,
                            StoreUnavailable, TurnError, UnjournaledAwaitError, UnknownDialogue)
from runtime.grammars import AbnfGrammar, Grammar, InlineGrammar
from runtime.interaction import Interaction, Phase, Record, Recording, SpeechSettings
from runtime.recordings import Recorded, RecordedAudio
from runtime.results import (HANGUP_EVENT, Event, HungUp, Hypothesis, InputResult, MarkReached, NoInput, NoMatch,
                             Played, Recognition, event)
from runtime.speech import Audio, Emphasis, Mark, Paragraph, Pause, Prosody, SayAs, Sentence, Substitute
from runtime.turns import Disconnect, DtmfSettings, Exit, FetchSettings, LastTurn, Message, OutputTurn, Prompt

__all__ = [
    "AbnfGrammar", "HungUp", "Phase", "Record", "Recorded", "RecordedAudio", "Recording", "SpeechSettings",
    "NAMESPACE", "Audio", "BadResult", "Call", "CallActor", "CallBusy", "CallConfig", "CallEnded", "CallNotFound",
    "CallPool", "CallRunner", "Checkpoint", "CheckpointStore", "DialogueError", "Disconnect",
    "DtmfSettings", "Emphasis", "Event", "Exit", "FetchSettings", "FencingError", "FutureTurn", "Grammar", "HANGUP_EVENT",
    "HangUp", "Hypothesis", "InlineGrammar", "InputResult", "Interaction", "LastTurn", "Mark",
    "MarkReached", "MemoryStore", "Message", "NoInput", "NoMatch", "NonDeterminismError", "OutputTurn",
    "Paragraph", "Pause", "Played", "Prompt", "Prosody", "RayKVStore", "RayvrError", "Recognition",
    "Reply", "SayAs", "Sentence", "StepFailed", "StoreError", "StoreUnavailable", "Substitute",
    "TurnError", "UnjournaledAwaitError", "UnknownDialogue", "actor_name", "configure_logging",
    "create_call_actor", "dialogue", "event", "find_call_actor", "import_dialogues", "lookup",
    "read_checkpoint", "register", "registered", "wire",
]
