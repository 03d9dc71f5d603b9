"""VoiceXML for collecting input: :class:`~runtime.Interaction` and :class:`~runtime.Recording`.

How an interaction is written, and why:

* **Phases.** VoiceXML activates a field's grammars while *that field's*
  prompts play and while it waits, so each phase that listens is a
  ``<field>`` with its own grammars, its prompts, and a ``timeout`` of
  ``0s``: when its prompts end without input, ``noinput`` is raised at once
  and a local ``<noinput>`` marks the field done (``<assign>``) and asks for
  the next item's prompts (``<reprompt/>``, without which the form
  interpretation algorithm would skip them after a catch). Consecutive
  phases listening to the same grammars share one field. A phase that does
  not listen is a ``<block>``: its prompts are queued with
  ``bargein="false"`` and play, uninterruptible, when the next field waits.
  This is the technique commercial platforms run reliably; it needs no
  vendor extension.
* **The final window** is the last field (``rayvrInput``), with the turn's
  no-input timeout, or a ``<record>`` (``rayvrRecord``). When the last phase
  already listens to the final grammars, it *is* the final window (the
  simple form: one field, as before). Without a final window a ``<block>``
  ends the form and the result is "played".
* **Acknowledgement.** VoiceXML queues prompts and plays them only when the
  browser next waits for input (or fetches with ``fetchaudio``). A prompt
  put just before the ``<submit>`` would stay queued through the POST and be
  heard, if at all, with the next document's prompts. So after a successful
  recognition or recording the form goes to one more field, ``rayvrAck``:
  its ``bargein="false"`` prompt, an SRGS grammar that matches nothing
  (``VOID``) and a ``0s`` timeout make the browser wait, which plays the
  acknowledgement to its end, and its ``noinput`` (or anything else but a
  hang-up) goes on to submit. The field is guarded by a variable set only on
  success, so nothing else reaches it.
* **Settings** (DTMF and speech, barge-in type, vendor properties) are
  form-level ``<property>`` elements, so every phase, the final window and
  the recording share them; only ``timeout`` differs per field.
* **Recordings.** ``<record>``'s ``<filled>`` hands the audio and its shadow
  variables to ``rayvr.recording`` (``root.js``), which either keeps the
  audio on the platform under a name (``rayvr.kept``) or leaves it in
  ``rayvr.audio`` for the document's multipart POST. A hang-up during the
  recording is caught inside ``<record>`` (the audio recorded so far is in
  its variable, VoiceXML 2.0 section 2.3.6) and posted with the hang-up. A
  DTMF termination grammar's match is reported when
  ``application.lastresult$`` changed during the recording.
"""

from __future__ import annotations

from typing import Callable

from lxml import etree

from gateway.render import (INPUT_FIELD, SUBMIT_FORM, RenderContext, _el, _grammar, _js_literal, _ms,
                            _part, _prompt, renderer, rendering_context)
from runtime.grammars import Placed, distinct_rule_ids
from runtime.interaction import DTMF_PROPERTIES, SPEECH_PROPERTIES, Interaction, Phase, Record, Recording
from runtime.recordings import RecordedAudio
from runtime.turns import Prompt

RECORD_FIELD = "rayvrRecord"
ACK_FIELD = "rayvrAck"
ACKNOWLEDGING = "rayvrAcknowledging"
LAST_RESULT_BEFORE = "rayvrLastResultBefore"
NOTHING_RULE = "rayvrNothing"

_RECOGNITION = ("rayvr.recognition(application.lastresult$);\n"
                "rayvr.mark(application.lastresult$.markname, application.lastresult$.marktime);")

Success = Callable[[etree._Element], None]


@renderer(Interaction, uploads=lambda turn: turn.posts_audio)
def _interaction(turn: Interaction, ctx: RenderContext) -> etree._Element:
    form = _el(None, "form")
    _properties(form, _interaction_properties(turn))
    success = _success_path(form, bool(turn.ack))
    if turn.record is not None and turn.record.dtmf:
        _el(form, "var", {"name": LAST_RESULT_BEFORE, "expr": "application.lastresult$"})
    recognised = _RECOGNITION
    if turn.speech_settings.record_utterance:
        recognised += f"\nrayvr.utterance(application.lastresult$, {_js_literal(turn.speech_settings.utterance_media_type)});"

    grammars = iter(distinct_rule_ids(turn.grammar_groups()))
    groups = turn.phase_groups()
    for index, group in enumerate(groups, 1):
        final = index == len(groups) and turn.final_in_last_phase
        listening = next(grammars)
        if not group[0].listens:
            block = _el(form, "block", {"name": f"rayvrPhase{index}"})
            for prompt in _phase_prompts(group):
                _prompt(block, Prompt(*prompt.parts, bargein=False, lang=prompt.lang))
            continue
        name = INPUT_FIELD if final else f"rayvrPhase{index}"
        field = _listening_field(form, name, listening, turn.no_input_timeout_ms if final else 0)
        for prompt in _phase_prompts(group):
            _prompt(field, prompt)
        if not final:
            done = _el(field, "noinput")
            _el(done, "assign", {"name": name, "expr": "true"})
            _el(done, "reprompt")
        _filled(field, recognised, success)

    if turn.final_window == "recognition" and not turn.final_in_last_phase:
        field = _listening_field(form, INPUT_FIELD, next(grammars), turn.no_input_timeout_ms)
        _filled(field, recognised, success)
    elif turn.record is not None:
        _record(form, turn.record, next(grammars), (), success)
    elif turn.final_window is None:
        _el(_el(form, "block"), "goto", {"next": f"#{SUBMIT_FORM}"})
    _acknowledgement(form, turn.ack)
    return form


@renderer(Recording, uploads=lambda turn: turn.posts_audio)
def _recording(turn: Recording, ctx: RenderContext) -> etree._Element:
    form = _el(None, "form")
    _properties(form, {"timeout": _ms(turn.no_input_timeout_ms), **turn.properties})
    success = _success_path(form, bool(turn.ack))
    if turn.record.dtmf:
        _el(form, "var", {"name": LAST_RESULT_BEFORE, "expr": "application.lastresult$"})
    [record_grammars] = distinct_rule_ids([tuple((grammar, "dtmf") for grammar in turn.record.dtmf)])
    _record(form, turn.record, record_grammars, turn.prompts, success)
    _acknowledgement(form, turn.ack)
    return form


# --- pieces ------------------------------------------------------------------------------------


def _interaction_properties(turn: Interaction) -> dict[str, str | None]:
    values: dict[str, str | None] = {"bargeintype": turn.bargein_type}
    for attribute, name in DTMF_PROPERTIES:
        values[name] = _property_value(getattr(turn.dtmf_settings, attribute), attribute)
    for attribute, name in SPEECH_PROPERTIES:
        values[name] = _property_value(getattr(turn.speech_settings, attribute), attribute)
    return {**values, **turn.properties}


def _property_value(value: object, attribute: str) -> str | None:
    if value is None or value is False:
        return None
    if value is True:
        return "true"
    if attribute.endswith("_ms"):
        return _ms(value)  # type: ignore[arg-type]
    return str(value)


def _properties(parent: etree._Element, properties: dict[str, str | None]) -> None:
    for name, value in properties.items():
        if value is not None:
            _el(parent, "property", {"name": name, "value": value})


def _phase_prompts(group: tuple[Phase, ...]) -> list[Prompt]:
    return [prompt for phase in group for prompt in phase.prompts]


def _listening_field(form: etree._Element, name: str, grammars: tuple[Placed, ...],
                     timeout_ms: int | None) -> etree._Element:
    field = _el(form, "field", {"name": name})
    if timeout_ms is not None:
        _el(field, "property", {"name": "timeout", "value": "0s" if timeout_ms == 0 else _ms(timeout_ms)})
    for grammar, mode in grammars:
        _grammar(grammar, field, mode)
    return field


def _filled(item: etree._Element, script: str, success: Success) -> None:
    filled = _el(item, "filled")
    _el(filled, "script", text=script)
    success(filled)


def _success_path(form: etree._Element, acknowledged: bool) -> Success:
    """What ends a successful recognition or recording: on to the acknowledgement, or straight to submit."""
    if not acknowledged:
        return _to_submit
    _el(form, "var", {"name": ACKNOWLEDGING, "expr": "false"})

    def to_acknowledgement(parent: etree._Element) -> None:
        _el(parent, "assign", {"name": ACKNOWLEDGING, "expr": "true"})
        _el(parent, "goto", {"nextitem": ACK_FIELD})

    return to_acknowledgement


def _to_submit(parent: etree._Element) -> None:
    _el(parent, "goto", {"next": f"#{SUBMIT_FORM}"})


def _acknowledgement(form: etree._Element, prompts: tuple[Prompt, ...]) -> None:
    """A field that only waits: its prompt plays to the end, then ``noinput`` goes on to submit."""
    if not prompts:
        return
    field = _el(form, "field", {"name": ACK_FIELD, "cond": ACKNOWLEDGING})
    _el(field, "property", {"name": "timeout", "value": "0s"})
    grammar = _el(field, "grammar", {"version": "1.0", "mode": "dtmf", "root": NOTHING_RULE})
    _el(_el(grammar, "rule", {"id": NOTHING_RULE}), "ruleref", {"special": "VOID"})
    for prompt in prompts:
        _prompt(field, Prompt(*prompt.parts, bargein=False, lang=prompt.lang))
    onward = _el(field, "catch", {"event": "noinput nomatch error"})
    _el(onward, "goto", {"next": f"#{SUBMIT_FORM}"})
    _el(_el(field, "filled"), "goto", {"next": f"#{SUBMIT_FORM}"})


def _record(form: etree._Element, record: Record, grammars: tuple[Placed, ...], prompts: tuple[Prompt, ...],
            success: Success) -> None:
    element = _el(form, "record", {
        "name": RECORD_FIELD, "beep": "true" if record.beep else "false", "maxtime": _ms(record.max_time_ms),
        "finalsilence": _ms(record.final_silence_ms), "type": record.media_type,
        "dtmfterm": "true" if record.dtmf_term else "false"})
    for grammar, mode in grammars:
        _grammar(grammar, element, mode)
    for prompt in prompts:
        _prompt(element, prompt)
    keep = f"{RECORD_FIELD}$.maxtime, {_js_literal(record.keep_as)}, {_js_literal(record.media_type)});"
    handed_over = (f"rayvr.recording({RECORD_FIELD}, {RECORD_FIELD}$.duration, {RECORD_FIELD}$.size, "
                   f"{RECORD_FIELD}$.termchar, {keep}")
    hang_up = _el(element, "catch", {"event": "connection.disconnect.hangup"})
    _el(hang_up, "script", text=f"rayvr.event(_event, _message);\n"
                                f"if ({RECORD_FIELD} !== undefined && {RECORD_FIELD} !== null) {{\n"
                                f"  {handed_over}\n}}")
    _el(hang_up, "goto", {"next": f"#{SUBMIT_FORM}"})
    if record.dtmf:
        handed_over += (f"\nif (application.lastresult$ !== {LAST_RESULT_BEFORE}) {{\n"
                        f"  rayvr.recognition(application.lastresult$);\n}}")
    _filled(element, handed_over, success)


# --- playing recordings back -------------------------------------------------------------------


@_part.register
def _recorded_audio(part: RecordedAudio, parent: etree._Element) -> None:
    """A stored recording is fetched from the gateway; a kept one is played from its platform variable."""
    if part.location is not None:
        _el(parent, "audio", {"src": f"{rendering_context().recordings_url}/{part.location}"})
    elif part.kept is not None:
        _el(parent, "audio", {"expr": f"rayvr.kept[{_js_literal(part.kept)}]"})
    else:
        raise ValueError("this recording was too large to store, so it cannot be played back")
