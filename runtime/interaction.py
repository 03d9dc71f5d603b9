"""Collecting caller input: :class:`Interaction` (recognition) and :class:`Recording`.

The simple form asks one question and waits for DTMF or speech::

    Interaction("For sales press 1, for support press 2.", dtmf=menu, speech=departments)

The full form plays several prompt *phases*, each listening to its own
grammars while it plays (so the caller can barge in), or to none (no
barge-in), then opens a final window: a recognition window (``dtmf=``,
``speech=``), a recording window (``record=Record(...)``), or none::

    Interaction(Phase("Welcome to Acme."),                         # cannot be interrupted
                Phase("For sales press 1, for support press 2.", dtmf=menu),
                Phase("Or say the name of a department.", dtmf=menu, speech=departments),
                dtmf=menu, speech=departments, no_input_timeout_ms=5000,
                ack=Prompt(Audio("chime.wav")))

``ack`` is played only after a successful recognition or recording, before
the result is posted. A :class:`Recording` turn plays its prompts and records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from runtime._codec import wire
from runtime.grammars import AnyGrammar, Placed, check_lang, check_media_type, distinct_rule_ids, grammars_of
from runtime.recordings import check_kept_name
from runtime.speech import Mark, Part
from runtime.turns import DtmfSettings, OutputTurn, Prompt, prompts_of

BARGEIN_TYPES = ("speech", "hotword")
PropertyValue = str | int | float | bool
# VoiceXML property names are NMTOKENs: letters, digits, '.', '-', '_', ':'.
_PROPERTY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:")


def _check_time(value: int | None, what: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValueError(f"{what} must be a non-negative whole number of milliseconds, not {value!r}")


def _check_fraction(value: float | None, what: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1):
        raise ValueError(f"{what} must be a number from 0.0 to 1.0, not {value!r}")


@wire
@dataclass(frozen=True, slots=True)
class SpeechSettings:
    """How speech is recognised (times in milliseconds; levels from 0.0 to 1.0).

    Args:
        complete_timeout_ms: silence after speech that a grammar fully matches before the result is final.
        incomplete_timeout_ms: silence after speech that does not (yet) match before a no-match.
        max_speech_timeout_ms: the longest utterance; longer raises ``maxspeechtimeout``.
        max_nbest: how many hypotheses the recogniser may return.
        confidence_level: hypotheses below it are a no-match.
        sensitivity: how readily sound counts as speech (high: more sensitive).
        speed_vs_accuracy: 0.0 fastest, 1.0 most accurate.
        record_utterance: also record what the caller said; the result's ``recording`` holds it.
        utterance_media_type: the media type of that recording (``audio/x-wav``).
    """

    complete_timeout_ms: int | None = None
    incomplete_timeout_ms: int | None = None
    max_speech_timeout_ms: int | None = None
    max_nbest: int | None = None
    confidence_level: float | None = None
    sensitivity: float | None = None
    speed_vs_accuracy: float | None = None
    record_utterance: bool = False
    utterance_media_type: str | None = None

    def __post_init__(self) -> None:
        for name in ("complete_timeout_ms", "incomplete_timeout_ms", "max_speech_timeout_ms"):
            _check_time(getattr(self, name), name)
        if self.max_nbest is not None and (isinstance(self.max_nbest, bool) or not isinstance(self.max_nbest, int)
                                           or self.max_nbest < 1):
            raise ValueError(f"max_nbest must be a whole number of at least 1, not {self.max_nbest!r}")
        for name in ("confidence_level", "sensitivity", "speed_vs_accuracy"):
            _check_fraction(getattr(self, name), name)
        check_media_type(self.utterance_media_type, "utterance media type")


@wire
@dataclass(frozen=True, slots=True)
class Phase:
    """Prompts that listen to their own grammars while they play (or to none: no barge-in).

    Args:
        prompts: what the phase says; a prompt with ``bargein=False`` cannot be
            interrupted even when the phase listens.
        dtmf: DTMF grammars active while the phase plays.
        speech: speech grammars active while the phase plays.
    """

    prompts: tuple[Prompt, ...]
    dtmf: tuple[AnyGrammar, ...] = ()
    speech: tuple[AnyGrammar, ...] = ()

    def __init__(self, *prompts: Prompt | Part, dtmf: AnyGrammar | Iterable[AnyGrammar] | None = None,
                 speech: AnyGrammar | Iterable[AnyGrammar] | None = None) -> None:
        if not prompts:
            raise ValueError("a phase needs something to say")
        object.__setattr__(self, "prompts", prompts_of(prompts))
        object.__setattr__(self, "dtmf", grammars_of(dtmf, "dtmf"))
        object.__setattr__(self, "speech", grammars_of(speech, "voice"))

    @property
    def listens(self) -> bool:
        """Whether the caller can barge in during this phase."""
        return bool(self.dtmf or self.speech)


@wire
@dataclass(frozen=True, slots=True)
class Record:
    """How the caller is recorded (times in milliseconds).

    Args:
        beep: play a beep just before recording starts.
        max_time_ms: the longest recording.
        final_silence_ms: silence that ends the recording.
        media_type: the audio format asked of the platform (``audio/x-wav``).
        dtmf_term: a key press ends the recording (the key is reported as ``termchar``).
        dtmf: DTMF grammars whose match ends the recording (reported as ``termination``).
        keep_as: keep the audio on the platform under this name instead of
            posting it to the server; play it later with the result's ``audio``.
    """

    beep: bool = False
    max_time_ms: int | None = None
    final_silence_ms: int | None = None
    media_type: str | None = None
    dtmf_term: bool = True
    dtmf: tuple[AnyGrammar, ...] = ()
    keep_as: str | None = None

    def __init__(self, *, beep: bool = False, max_time_ms: int | None = None, final_silence_ms: int | None = None,
                 media_type: str | None = None, dtmf_term: bool = True,
                 dtmf: AnyGrammar | Iterable[AnyGrammar] | None = None, keep_as: str | None = None) -> None:
        _check_time(max_time_ms, "max_time_ms")
        _check_time(final_silence_ms, "final_silence_ms")
        object.__setattr__(self, "beep", bool(beep))
        object.__setattr__(self, "max_time_ms", max_time_ms)
        object.__setattr__(self, "final_silence_ms", final_silence_ms)
        object.__setattr__(self, "media_type", check_media_type(media_type, "recording media type"))
        object.__setattr__(self, "dtmf_term", bool(dtmf_term))
        object.__setattr__(self, "dtmf", grammars_of(dtmf, "dtmf"))
        object.__setattr__(self, "keep_as", None if keep_as is None else check_kept_name(keep_as))

    @property
    def posts_audio(self) -> bool:
        """Whether the recording is posted to the server (not kept on the platform)."""
        return self.keep_as is None


# --- the turns -----------------------------------------------------------------------------


@wire
@dataclass(frozen=True, slots=True)
class Interaction(OutputTurn):
    """Play prompt phases, then wait for DTMF or speech (or record).

    The result is a :class:`runtime.Recognition`, a :class:`runtime.Recorded`
    (with a recording window), :class:`runtime.Played` (phases only, nobody
    barged in), or a :class:`runtime.NoInput`, :class:`runtime.NoMatch` or
    other :class:`runtime.Event`.

    Args:
        items: bare prompts (one phase listening to ``dtmf``/``speech``, the
            simple form) or :class:`Phase` objects (each with its own grammars).
        dtmf: the final recognition window's DTMF grammars.
        speech: the final recognition window's speech grammars.
        record: record instead of recognising in the final window.
        no_input_timeout_ms: how long the final window waits for input.
        dtmf_settings: inter-digit and termination settings.
        speech_settings: speech timeouts, n-best, confidence and the utterance recording.
        bargein_type: ``"speech"`` (any speech interrupts) or ``"hotword"``
            (only a grammar match interrupts).
        ack: played after a successful recognition or recording, before the result is posted.
        properties: any other (vendor) VoiceXML property, by name.
        name: the turn's name, in logs and the journal.
        lang: the language of the turn's prompts and grammars.
    """

    phases: tuple[Phase, ...]
    dtmf: tuple[AnyGrammar, ...] = ()
    speech: tuple[AnyGrammar, ...] = ()
    record: Record | None = None
    no_input_timeout_ms: int | None = None
    dtmf_settings: DtmfSettings = field(default_factory=DtmfSettings)
    speech_settings: SpeechSettings = field(default_factory=SpeechSettings)
    bargein_type: str | None = None
    ack: tuple[Prompt, ...] = ()
    properties: dict[str, str] = field(default_factory=dict)
    name: str = "interaction"
    lang: str | None = None

    def __init__(self, *items: Phase | Prompt | Part, dtmf: AnyGrammar | Iterable[AnyGrammar] | None = None,
                 speech: AnyGrammar | Iterable[AnyGrammar] | None = None, record: Record | None = None,
                 no_input_timeout_ms: int | None = None, dtmf_settings: DtmfSettings | None = None,
                 speech_settings: SpeechSettings | None = None, bargein_type: str | None = None,
                 ack: Prompt | Part | Iterable[Prompt | Part] | None = None,
                 properties: Mapping[str, PropertyValue] | None = None,
                 name: str = "interaction", lang: str | None = None) -> None:
        dtmf_grammars, speech_grammars = grammars_of(dtmf, "dtmf"), grammars_of(speech, "voice")
        if record is not None and not isinstance(record, Record):
            raise TypeError(f"record must be a Record, not {type(record).__qualname__}")
        phases = _phases(items, dtmf_grammars, speech_grammars, record)
        if record is not None and (dtmf_grammars or speech_grammars):
            if any(isinstance(item, Phase) for item in items):
                raise ValueError("an interaction ends with a recognition window (dtmf=, speech=) or a recording "
                                 "window (record=), not both; give the phases their own grammars")
            dtmf_grammars, speech_grammars = (), ()  # the simple form: they are the phase's, then it records
        if bargein_type not in (None, *BARGEIN_TYPES):
            raise ValueError(f"bargein_type must be 'speech' or 'hotword', not {bargein_type!r}")
        _check_time(no_input_timeout_ms, "no_input_timeout_ms")
        settings = speech_settings or SpeechSettings()
        values = dict(
            phases=phases, dtmf=dtmf_grammars, speech=speech_grammars, record=record,
            no_input_timeout_ms=no_input_timeout_ms, dtmf_settings=dtmf_settings or DtmfSettings(),
            speech_settings=settings, bargein_type=bargein_type, ack=_ack(ack), name=name,
            lang=check_lang(lang, "turn language"))
        values["properties"] = properties_of(properties, reserved=_settings_names(values))
        for key, value in values.items():
            object.__setattr__(self, key, value)
        distinct_rule_ids(self.grammar_groups())
        check_unique_marks((*self.prompts, *self.ack))

    @property
    def prompts(self) -> tuple[Prompt, ...]:
        """Every phase's prompts, in order."""
        return tuple(prompt for phase in self.phases for prompt in phase.prompts)

    @property
    def final_window(self) -> str | None:
        """``"recognition"``, ``"recording"`` or None (the phases alone)."""
        if self.record is not None:
            return "recording"
        return "recognition" if self.dtmf or self.speech else None

    @property
    def posts_audio(self) -> bool:
        """Whether the result may carry audio for the server (a recording or a recorded utterance)."""
        return (self.record is not None and self.record.posts_audio) or self.speech_settings.record_utterance

    def phase_groups(self) -> tuple[tuple[Phase, ...], ...]:
        """Consecutive phases that listen to the same grammars; the gateway renders each group as one element."""
        groups: list[list[Phase]] = []
        for phase in self.phases:
            if groups and (groups[-1][-1].dtmf, groups[-1][-1].speech) == (phase.dtmf, phase.speech):
                groups[-1].append(phase)
            else:
                groups.append([phase])
        return tuple(tuple(group) for group in groups)

    @property
    def final_in_last_phase(self) -> bool:
        """Whether the final recognition window listens to the last phase's grammars (and so continues it)."""
        return (self.final_window == "recognition" and bool(self.phases)
                and (self.phases[-1].dtmf, self.phases[-1].speech) == (self.dtmf, self.speech))

    def grammar_groups(self) -> list[tuple[Placed, ...]]:
        """The grammars (with their modes) of each element the gateway renders, in document order."""
        groups = [_placed(group[0].dtmf, group[0].speech) for group in self.phase_groups()]
        if self.final_window == "recognition" and not self.final_in_last_phase:
            groups.append(_placed(self.dtmf, self.speech))
        if self.record is not None:
            groups.append(_placed(self.record.dtmf, ()))
        return groups


def _placed(dtmf: tuple[AnyGrammar, ...], speech: tuple[AnyGrammar, ...]) -> tuple[Placed, ...]:
    return tuple((grammar, "dtmf") for grammar in dtmf) + tuple((grammar, "voice") for grammar in speech)


def _phases(items: tuple[Phase | Prompt | Part, ...], dtmf: tuple[AnyGrammar, ...],
            speech: tuple[AnyGrammar, ...], record: Record | None) -> tuple[Phase, ...]:
    phases = [item for item in items if isinstance(item, Phase)]
    if phases and len(phases) != len(items):
        raise TypeError("give an interaction either bare prompts (one phase) or Phase objects, not both")
    if phases:
        if record is None and not (dtmf or speech) and not any(phase.listens for phase in phases):
            raise ValueError("an interaction needs a grammar: in a phase, or for the final window (dtmf=, speech=)")
        return tuple(phases)
    if record is None and not dtmf and not speech:
        raise ValueError("an interaction needs at least one DTMF or speech grammar")
    if not items:
        return ()
    return (Phase(*items, dtmf=dtmf, speech=speech),)


def _ack(ack: Prompt | Part | Iterable[Prompt | Part] | None) -> tuple[Prompt, ...]:
    if ack is None:
        return ()
    if isinstance(ack, (str, Prompt)) or not isinstance(ack, Iterable):
        ack = (ack,)
    return prompts_of(tuple(ack))


# --- the recording turn ----------------------------------------------------------------------


@wire
@dataclass(frozen=True, slots=True)
class Recording(OutputTurn):
    """Play prompts, then record the caller.

    The result is a :class:`runtime.Recorded` (check its ``too_large``), a
    :class:`runtime.NoInput` if the caller said nothing, or another
    :class:`runtime.Event`. A hang-up during the recording raises
    :class:`runtime.HangUp` whose ``partial`` is the :class:`runtime.Recorded`
    audio captured until then.

    Args:
        prompts: what to say before recording (played before the beep).
        beep, max_time_ms, final_silence_ms, media_type, dtmf_term, dtmf, keep_as:
            how to record, as in :class:`Record`.
        no_input_timeout_ms: how long to wait for the caller to start speaking.
        ack: played after a successful recording, before the result is posted.
        properties: any other (vendor) VoiceXML property, by name.
        name: the turn's name, in logs and the journal.
        lang: the language of the turn's prompts.
    """

    prompts: tuple[Prompt, ...]
    record: Record = field(default_factory=Record)
    no_input_timeout_ms: int | None = None
    ack: tuple[Prompt, ...] = ()
    properties: dict[str, str] = field(default_factory=dict)
    name: str = "recording"
    lang: str | None = None

    def __init__(self, *prompts: Prompt | Part, beep: bool = False, max_time_ms: int | None = None,
                 final_silence_ms: int | None = None, media_type: str | None = None, dtmf_term: bool = True,
                 dtmf: AnyGrammar | Iterable[AnyGrammar] | None = None, keep_as: str | None = None,
                 no_input_timeout_ms: int | None = None,
                 ack: Prompt | Part | Iterable[Prompt | Part] | None = None,
                 properties: Mapping[str, PropertyValue] | None = None,
                 name: str = "recording", lang: str | None = None) -> None:
        record = Record(beep=beep, max_time_ms=max_time_ms, final_silence_ms=final_silence_ms,
                        media_type=media_type, dtmf_term=dtmf_term, dtmf=dtmf, keep_as=keep_as)
        _check_time(no_input_timeout_ms, "no_input_timeout_ms")
        reserved = {"timeout"} if no_input_timeout_ms is not None else set()
        object.__setattr__(self, "prompts", prompts_of(prompts))
        object.__setattr__(self, "record", record)
        object.__setattr__(self, "no_input_timeout_ms", no_input_timeout_ms)
        object.__setattr__(self, "ack", _ack(ack))
        object.__setattr__(self, "properties", properties_of(properties, reserved=reserved))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "lang", check_lang(lang, "turn language"))
        distinct_rule_ids([_placed(record.dtmf, ())])
        check_unique_marks((*self.prompts, *self.ack))

    @property
    def posts_audio(self) -> bool:
        """Whether the recording is posted to the server (not kept on the platform)."""
        return self.record.posts_audio


# --- checks shared by both turns -----------------------------------------------------------------


def properties_of(properties: Mapping[str, PropertyValue] | None, reserved: Iterable[str] = ()) -> dict[str, str]:
    """VoiceXML properties by name, their values as the strings the document will hold."""
    result: dict[str, str] = {}
    taken = set(reserved)
    for name, value in (properties or {}).items():
        if not isinstance(name, str) or not name or not set(name) <= _PROPERTY_CHARS:
            raise ValueError(f"{name!r} is not a VoiceXML property name (letters, digits, '.', '-', '_', ':')")
        if name in taken:
            raise ValueError(f"property {name!r} is already set by the turn's own settings; set it there")
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (int, float, str)):
            text = str(value)
        else:
            raise TypeError(f"property {name!r} must be a string, number or boolean, not {type(value).__qualname__}")
        if any(ord(c) < 0x20 for c in text):
            raise ValueError(f"property {name!r} holds a control character")
        result[name] = text
    return result


def _settings_names(values: Mapping[str, Any]) -> set[str]:
    """The property names an interaction's own settings render (vendor properties may not repeat them)."""
    names = {"timeout"}  # the phases and the final window set their own
    dtmf, speech = values["dtmf_settings"], values["speech_settings"]
    for attribute, name in DTMF_PROPERTIES + SPEECH_PROPERTIES:
        settings = dtmf if attribute in DtmfSettings.__dataclass_fields__ else speech
        value = getattr(settings, attribute)
        if value is not None and value is not False:
            names.add(name)
    if values["bargein_type"] is not None:
        names.add("bargeintype")
    return names


# Settings attribute -> VoiceXML property; the gateway renders them from these tables.
DTMF_PROPERTIES = (("inter_digit_timeout_ms", "interdigittimeout"), ("term_timeout_ms", "termtimeout"),
                   ("term_char", "termchar"))
SPEECH_PROPERTIES = (("complete_timeout_ms", "completetimeout"), ("incomplete_timeout_ms", "incompletetimeout"),
                     ("max_speech_timeout_ms", "maxspeechtimeout"), ("max_nbest", "maxnbest"),
                     ("confidence_level", "confidencelevel"), ("sensitivity", "sensitivity"),
                     ("speed_vs_accuracy", "speedvsaccuracy"), ("record_utterance", "recordutterance"),
                     ("utterance_media_type", "recordutterancetype"))


def check_unique_marks(prompts: Iterable[Prompt]) -> None:
    """Refuse a mark name used twice (the VoiceXML DTD makes mark names document-wide IDs)."""
    seen: set[str] = set()

    def walk(parts: tuple[Any, ...]) -> None:
        for part in parts:
            if isinstance(part, Mark):
                if part.name in seen:
                    raise ValueError(f"mark name {part.name!r} is used twice in one turn")
                seen.add(part.name)
            walk(getattr(part, "parts", ()) or getattr(part, "fallback", ()))

    for prompt in prompts:
        walk(prompt.parts)
