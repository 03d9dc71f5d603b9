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

import os

# Every log line about a call names it; Ray's de-duplication of similar lines across processes
# would merge the lines of different calls into one. Ray reads this when it is first imported.
os.environ.setdefault("RAY_DEDUP_LOGS", "0")

from runtime._actor import (NAMESPACE, CallActor, CallConfig, CallPool, actor_name, create_call_actor,
                            find_call_actor)
from runtime._codec import wire
from runtime._driver import Call
from runtime._log import configure_logging
from runtime._registry import dialogue, import_dialogues, lookup, register, registered
from runtime._runner import Checkpoint, CallRunner, Reply, purge_ended, read_checkpoint
from runtime._stores import CheckpointStore, MemoryStore, RayKVStore
from runtime.errors import (BadResult, CallBusy, CallEnded, CallNotFound, CallTransferred, DialogueError,
                            Disconnected, FencingError, FutureTurn, HangUp, NonDeterminismError, RayvrError,
                            StepFailed, StoreError, StoreUnavailable, TurnError, UnjournaledAwaitError,
                            UnknownDialogue)
from runtime.grammars import AbnfGrammar, Grammar, InlineGrammar
from runtime.interaction import Interaction, Phase, Record, Recording, SpeechSettings
from runtime.invocations import (RETURNED, ObjectCall, Ref, Script, Subdialog, Value, connection_info,
                                 phone_number)
from runtime.recordings import Recorded, RecordedAudio
from runtime.results import (HANGUP_EVENT, TRANSFER_EVENT, Event, HungUp, Hypothesis, InputResult, MarkReached,
                             MaxSpeechTimeout, NoInput, NoMatch, Played, Recognition, event, event_family)
from runtime.settings import FETCH_KINDS, DocumentSettings
from runtime.speech import Audio, Emphasis, Mark, Paragraph, Pause, Prosody, SayAs, Sentence, Substitute
from runtime.transfers import (BlindTransfer, BridgeTransfer, ConsultationTransfer, Transfer, TransferFailed,
                               TransferResult, TransferStatus)
from runtime.fetching import FetchSettings
from runtime.turns import (Disconnect, DtmfSettings, Exit, Expr, Goto, LastTurn, Message,
                           OutputTurn, Prompt, Return, Submit)

__all__ = [
    "AbnfGrammar", "actor_name", "Audio", "BadResult", "BlindTransfer", "BridgeTransfer", "Call", "CallActor",
    "CallBusy", "CallConfig", "CallEnded", "CallNotFound", "CallPool", "CallRunner", "CallTransferred",
    "Checkpoint", "CheckpointStore", "configure_logging", "connection_info", "ConsultationTransfer",
    "create_call_actor", "dialogue", "DialogueError", "Disconnect", "Disconnected", "DocumentSettings",
    "DtmfSettings", "Emphasis", "Event", "event", "event_family", "Exit", "Expr", "FencingError",
    "FETCH_KINDS", "FetchSettings", "find_call_actor", "FutureTurn", "Goto", "Grammar", "HangUp",
    "HANGUP_EVENT", "HungUp", "Hypothesis", "import_dialogues", "InlineGrammar", "InputResult", "Interaction",
    "LastTurn", "lookup", "Mark", "MarkReached", "MaxSpeechTimeout", "MemoryStore", "Message", "NAMESPACE",
    "NoInput", "NoMatch", "NonDeterminismError", "ObjectCall", "OutputTurn", "Paragraph", "Pause", "Phase",
    "phone_number", "Played", "Prompt", "Prosody", "purge_ended", "RayKVStore", "RayvrError", "read_checkpoint",
    "Recognition", "Record", "Recorded", "RecordedAudio", "Recording", "Ref", "register", "registered",
    "Reply", "Return", "RETURNED", "SayAs", "Script", "Sentence", "SpeechSettings", "StepFailed",
    "StoreError", "StoreUnavailable", "Subdialog", "Submit", "Substitute", "Transfer", "TRANSFER_EVENT",
    "TransferFailed", "TransferResult", "TransferStatus", "TurnError", "UnjournaledAwaitError",
    "UnknownDialogue", "Value", "wire",
]
