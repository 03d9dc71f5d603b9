"""VoiceXML 2.1 documents for turns, built with lxml.

Every document is UTF-8 VoiceXML 2.1 in the VoiceXML namespace and is the
same bytes for the same turn and context, so a repeated POST gets an
identical answer. Text and attribute values are only ever handed to lxml,
which escapes them; no markup is built from strings.

Each turn type renders in exactly one place: a function registered with
:func:`renderer` that builds the turn's ``<form>``. :func:`render` puts it in
the common document, which names the application root document
(:func:`render_root`, whose script defines the ``rayvr`` helpers of
``root.js``). A turn that waits for a result (an
:class:`~runtime.turns.OutputTurn`) also gets the submission machinery:

* ``rayvr.reset()`` when the document loads, so its result starts empty;
* three document-level catches. Within one scope VoiceXML selects the *first*
  matching catch in document order (VoiceXML 2.0, 5.2.4), not the most
  specific one, so their order is what makes them work:

  1. ``error.badfetch`` while submitting: the POST failed. Submit again, up to
     ``submit_retries`` times, then apologise and hang up (``#rayvrFailed``);
     any event after that ends the session.
  2. any other event while submitting (a hang-up during the POST, a script
     error): record it and count it as a failed attempt, so nothing can loop.
  3. any event at all (no ``event`` attribute): record it and submit. This is
     how noinput, nomatch, a hang-up and ``error.*`` reach the server.

* ``#rayvrSubmit``: POSTs ``rayvr.json(rayvr.result)`` as the form field
  ``result`` (read by :mod:`gateway.wire`). A turn whose renderer is
  registered with ``uploads=`` may have audio for the server
  (``rayvr.audio``, set by its document): when it has, the POST is
  ``multipart/form-data`` with the audio as a second part, ``rayvrAudio``.

  ``result`` (read by :mod:`gateway.wire`).

The call's document settings (:class:`~runtime.settings.DocumentSettings`,
carried by the context) give the document its language and its
document-level ``<property>`` elements. Document hooks, the last step before
the bytes are made, may add vendor extensions to any turn's document.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache, singledispatch
from importlib import resources
from typing import Any, Callable, Iterable, Mapping, TypeVar

from lxml import etree

from gateway.wire import AUDIO_FIELD, RESULT_FIELD
from runtime._values import NOT_XML, variable_name
from runtime.grammars import AbnfGrammar, Grammar, InlineGrammar
from runtime.settings import FETCH_KINDS, NO_SETTINGS, DocumentSettings
from runtime.speech import Audio, Emphasis, Mark, Paragraph, Part, Pause, Prosody, SayAs, Sentence, Substitute
from runtime.turns import (Disconnect, Exit, Expr, FetchSettings, Goto, Message, OutputTurn, Prompt, Return, Submit,
                           Turn)

VXML_NS = "http://www.w3.org/2001/vxml"
SRGS_NS = "http://www.w3.org/2001/06/grammar"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

INPUT_FIELD = "rayvrInput"
SUBMIT_FORM = "rayvrSubmit"
FAILED_FORM = "rayvrFailed"

_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_RESULT_EXPR = "rayvr.json(rayvr.result)"
_RECORD_EVENT = "rayvr.event(_event, _message);"


FAILURE_TEXT = "We are sorry, a technical problem has occurred. Goodbye."


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What a turn's document needs besides the turn: where it sits in the call and how to answer.

    Attributes:
        call_id: the call, written into the document's metadata.
        seq: the turn number of the document being rendered.
        submit_url: where the browser posts this turn's result
            (for example ``/calls/{call_id}/turns/{seq}``).
        root_url: the application root document (:func:`render_root`).
        lang: the document language when the turn does not name one.
        submit_retries: how many times a failed POST is sent again before giving up.
        fetch_timeout_s: how long the browser waits for the answer to a POST.
        fetch_audio: audio played while the browser waits for that answer.
        failure_text: said to the caller when every POST failed, before hanging up.
        recordings_url: where the gateway serves stored recordings back
            (``<recordings_url>/<location>``).
        settings: the document settings the call's dialogue set for this turn;
            their language and fetch audio win over ``lang`` and ``fetch_audio``.
    """

    call_id: str
    seq: int
    submit_url: str
    root_url: str
    lang: str = "en-US"
    submit_retries: int = 3
    fetch_timeout_s: int = 10
    fetch_audio: str | None = None
    failure_text: str = FAILURE_TEXT
    recordings_url: str = "/recordings"
    settings: DocumentSettings = field(default=NO_SETTINGS)

    def effective(self) -> RenderContext:
        """This context with the dialogue's settings applied to ``lang`` and ``fetch_audio``."""
        settings = self.settings
        if settings.lang is None and settings.fetch_audio is None:
            return self
        return replace(self, lang=settings.lang or self.lang, fetch_audio=settings.fetch_audio or self.fetch_audio)


DocumentHook = Callable[[etree._Element, Turn, RenderContext], None]
"""Post-processes a turn's document: ``hook(root, turn, ctx)`` changes the ``<vxml>`` element in place.

A hook must be deterministic (the same turn and context, the same change), so
that a repeated post still gets byte-identical documents, and must leave the
document valid VoiceXML.
"""


# --- the renderer registry ---------------------------------------------------------------------

T = TypeVar("T", bound=Turn)
Renderer = Callable[[T, RenderContext], etree._Element]
_RENDERERS: dict[type, Renderer[Any]] = {}
_UPLOADS: dict[type, Callable[[Any], bool]] = {}


def renderer(turn_type: type[T], *, uploads: Callable[[T], bool] | None = None
             ) -> Callable[[Renderer[T]], Renderer[T]]:
    """Register the function that renders ``turn_type`` (and its subclasses) as a ``<form>``.

    ``uploads(turn)`` says whether the turn's document may post audio (its
    form then sets ``rayvr.audio``); such documents submit multipart when it has.
    """

    def register(function: Renderer[T]) -> Renderer[T]:
        if turn_type in _RENDERERS:
            raise TypeError(f"a VoiceXML renderer for {turn_type.__qualname__} is already registered")
        _RENDERERS[turn_type] = function
        if uploads is not None:
            _UPLOADS[turn_type] = uploads
        return function

    return register


_RENDERING: ContextVar[RenderContext | None] = ContextVar("rayvr_rendering", default=None)


def rendering_context() -> RenderContext:
    """The context of the document being rendered (for parts, such as stored recordings, that need it)."""
    ctx = _RENDERING.get()
    if ctx is None:
        raise ValueError("this speech part can only be rendered in a turn's document")
    return ctx


def _renderer_for(turn_type: type) -> Renderer[Any]:
    for cls in turn_type.__mro__:
        if cls in _RENDERERS:
            return _RENDERERS[cls]
    raise TypeError(f"no VoiceXML renderer for {turn_type.__qualname__}; register one with "
                    f"@gateway.render.renderer({turn_type.__qualname__}) on a function (turn, ctx) -> <form>")


# --- documents ---------------------------------------------------------------------------------


def render(turn: Turn, ctx: RenderContext, hooks: Iterable[DocumentHook] = ()) -> bytes:
    """The VoiceXML document for ``turn``: its form, plus the submission machinery for output turns.

    The language is the turn's own, else the dialogue's settings', else the
    context's. ``hooks`` then post-process the document, in order.
    """
    ctx = ctx.effective()
    token = _RENDERING.set(ctx)
    try:
        form = _renderer_for(type(turn))(turn, ctx)
    finally:
        _RENDERING.reset(token)
    # Last turns have no language of their own; their closing message's prompts carry it.
    root = _document(getattr(turn, "lang", None) or ctx.lang, ctx.root_url, ctx)
    if isinstance(turn, OutputTurn):
        uploads = next((_UPLOADS[cls] for cls in type(turn).__mro__ if cls in _UPLOADS), None)
        _submission(root, ctx, form, _RESULT_EXPR, ctx.submit_url, audio=bool(uploads and uploads(turn)))
    else:
        root.append(form)
    for hook in hooks:
        try:
            hook(root, turn, ctx)
        except Exception as error:
            error.add_note(f"raised by document hook {getattr(hook, '__qualname__', hook)!r}")
            raise
    return _serialise(root)


def render_retry(ctx: RenderContext, result_json: str, attempt: int) -> bytes:
    """A document that posts ``result_json`` again, unchanged, as attempt ``attempt`` of the same turn.

    The gateway answers with it when the call's actor did not answer in time;
    it has the same failed-POST retries and fetch audio as a turn's document.
    """
    separator = "&" if "?" in ctx.submit_url else "?"
    root = _document(ctx.lang, ctx.root_url, ctx)
    _submission(root, ctx, None, _js_literal(result_json), f"{ctx.submit_url}{separator}attempt={attempt}")
    return _serialise(root)


def render_notice(text: str, lang: str = "en-US") -> bytes:
    """A stand-alone document that says ``text`` and ends the session (for unknown or ended calls)."""
    root = _document(lang, None, None)
    block = _el(_el(root, "form"), "block")
    _el(block, "prompt", text=text)
    _el(block, "exit")
    return _serialise(root)


@cache
def render_root() -> bytes:
    """The application root document: defines the ``rayvr`` script object in application scope."""
    root = _document(None, None, None)
    script = _el(root, "script")
    script.text = etree.CDATA(resources.files("gateway").joinpath("root.js").read_text(encoding="utf-8"))
    return _serialise(root)


def _document(lang: str | None, application: str | None, ctx: RenderContext | None) -> etree._Element:
    root = etree.Element(_q("vxml"), _attrs({"version": "2.1", "application": application, XML_LANG: lang}),
                         nsmap={None: VXML_NS})
    if ctx is not None:
        _el(root, "meta", {"name": "rayvr.call", "content": ctx.call_id})
        _el(root, "meta", {"name": "rayvr.turn", "content": str(ctx.seq)})
        for name, value in document_properties(ctx.settings):
            _el(root, "property", {"name": name, "value": value})
    return root


def document_properties(settings: DocumentSettings) -> list[tuple[str, str]]:
    """The document-level VoiceXML properties for ``settings``, in a fixed order.

    Fetch audio and its timing first, then the fetch timeout, then each kind's
    fetch defaults (``audiomaxage``, ...), then the free-form properties in
    their own order.
    """
    named = {"fetchaudio": settings.fetch_audio, "fetchaudiodelay": _ms(settings.fetch_audio_delay_ms),
             "fetchaudiominimum": _ms(settings.fetch_audio_minimum_ms), "fetchtimeout": _ms(settings.fetch_timeout_ms)}
    for kind in FETCH_KINDS:
        # DocumentSettings refuses a per-kind timeout: there is no <kind>fetchtimeout property.
        named.update(fetch_attributes(getattr(settings, f"{kind}_fetch"), kind))
    return [(name, value) for name, value in named.items() if value is not None] + list(settings.properties)


def _submission(root: etree._Element, ctx: RenderContext, form: etree._Element | None, result_expr: str,
                next_url: str, audio: bool = False) -> None:
    """Add the catches, the turn's ``form`` (if any), and the forms that post ``result_expr`` to ``next_url``.

    With ``audio``, the POST is multipart and carries ``rayvr.audio`` too when the document set it.
    """
    _el(root, "var", {"name": "rayvrSubmitting", "expr": "false"})
    _el(root, "var", {"name": "rayvrRetries", "expr": "0"})
    _el(root, "script", text="rayvr.reset();")

    failed_post = _el(root, "catch", {"event": "error.badfetch", "cond": "rayvrSubmitting"})
    _retry_or_give_up(failed_post, ctx)
    while_submitting = _el(root, "catch", {"cond": "rayvrSubmitting"})
    _el(while_submitting, "script", text=_RECORD_EVENT)
    _retry_or_give_up(while_submitting, ctx)
    any_event = _el(root, "catch")
    _el(any_event, "script", text=_RECORD_EVENT)
    _el(any_event, "goto", {"next": f"#{SUBMIT_FORM}"})

    if form is not None:
        root.append(form)

    submit = _el(_el(root, "form", {"id": SUBMIT_FORM}), "block")
    _el(submit, "assign", {"name": "rayvrSubmitting", "expr": "true"})
    _el(submit, "var", {"name": RESULT_FIELD, "expr": result_expr})
    post = {"next": next_url, "method": "post", "namelist": RESULT_FIELD, "fetchtimeout": f"{ctx.fetch_timeout_s}s",
            "fetchaudio": ctx.fetch_audio}
    if audio:
        _el(submit, "var", {"name": AUDIO_FIELD, "expr": "rayvr.audio"})
        choice = _el(submit, "if", {"cond": "rayvr.hasAudio()"})
        _el(choice, "submit", {**post, "enctype": "multipart/form-data", "namelist": f"{RESULT_FIELD} {AUDIO_FIELD}"})
        _el(choice, "else")
        submit = choice
    _el(submit, "submit", post)

    failed = _el(_el(root, "form", {"id": FAILED_FORM}), "block")
    _el(failed, "prompt", {"bargein": "false"}, ctx.failure_text)
    _el(failed, "disconnect")


def _retry_or_give_up(handler: etree._Element, ctx: RenderContext) -> None:
    _el(handler, "assign", {"name": "rayvrRetries", "expr": "rayvrRetries + 1"})
    choice = _el(handler, "if", {"cond": f"rayvrRetries <= {ctx.submit_retries}"})
    _el(choice, "goto", {"next": f"#{SUBMIT_FORM}"})
    _el(choice, "elseif", {"cond": f"rayvrRetries == {ctx.submit_retries + 1}"})
    _el(choice, "goto", {"next": f"#{FAILED_FORM}"})
    _el(choice, "else")
    _el(choice, "exit")


def _serialise(root: etree._Element) -> bytes:
    return _DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)


# --- turns -------------------------------------------------------------------------------------


@renderer(Message)
def _message(turn: Message, ctx: RenderContext) -> etree._Element:
    form = _el(None, "form")
    block = _el(form, "block")
    for prompt in turn.prompts:
        _prompt(block, prompt)
    _el(block, "goto", {"next": f"#{SUBMIT_FORM}"})
    return form


@renderer(Exit)
def _exit(turn: Exit, ctx: RenderContext) -> etree._Element:
    form, block = _closing(turn)
    value = None if turn.value is None else _expression(turn.value, "the exit value")
    _el(block, "exit", {"expr": value, "namelist": _declare(block, turn.variables)})
    return form


@renderer(Disconnect)
def _disconnect(turn: Disconnect, ctx: RenderContext) -> etree._Element:
    form, block = _closing(turn)
    _el(block, "disconnect", {"namelist": _declare(block, turn.variables)})
    return form


@renderer(Return)
def _return(turn: Return, ctx: RenderContext) -> etree._Element:
    form, block = _closing(turn)
    namelist = _declare(block, turn.variables)
    _el(block, "return", {"namelist": namelist, **_literal_or_expr(turn.event, "event", "eventexpr"),
                          **_literal_or_expr(turn.event_message, "message", "messageexpr")})
    return form


@renderer(Goto)
def _goto(turn: Goto, ctx: RenderContext) -> etree._Element:
    form, block = _closing(turn)
    _el(block, "goto", {**_literal_or_expr(turn.next, "next", "expr"), **fetch_attributes(turn.fetch),
                        "fetchaudio": turn.fetch_audio})
    return form


@renderer(Submit)
def _submit(turn: Submit, ctx: RenderContext) -> etree._Element:
    form, block = _closing(turn)
    namelist = _declare(block, turn.variables)
    _el(block, "submit", {**_literal_or_expr(turn.next, "next", "expr"), **fetch_attributes(turn.fetch),
                          "fetchaudio": turn.fetch_audio, "method": turn.method, "enctype": turn.enctype,
                          "namelist": namelist})
    return form


def _closing(turn: Exit | Disconnect | Return | Goto | Submit) -> tuple[etree._Element, etree._Element]:
    """A last turn's form and block, with the turn's closing message (if any) already in the block."""
    form = _el(None, "form")
    block = _el(form, "block")
    if turn.message is not None:
        for prompt in turn.message.prompts:
            _prompt(block, prompt, turn.message.lang)
    return form, block


def _declare(parent: etree._Element, variables: Mapping[str, Any]) -> str | None:
    """Declare ``variables`` (plain data or :class:`Expr` values) in ``parent``; their namelist, or None."""
    for name, value in variables.items():
        _el(parent, "var", {"name": _variable_name(name), "expr": _expression(value, f"variable {name!r}")})
    return " ".join(variables) or None


def _expression(value: Any, name: str = "value") -> str:
    """The ECMAScript for ``value``: an :class:`Expr`'s source, or plain data's literal."""
    return value.source if isinstance(value, Expr) else _js_literal(value, name)


def _literal_or_expr(value: str | Expr | None, literal: str, expr: str) -> dict[str, str | None]:
    """``{expr: source}`` for an :class:`Expr`, else ``{literal: value}`` (text such as a URL; None is left out)."""
    if isinstance(value, Expr):
        return {expr: value.source}
    return {literal: value}


# --- ECMAScript values -------------------------------------------------------------------------

# Turns check their variable names when they are built; render applies the same rule once more.
_variable_name = variable_name


def _js_literal(value: Any, name: str = "value") -> str:
    """An ECMAScript expression for the plain-data ``value``: its JSON, all ASCII.

    JSON is ECMAScript once U+2028/U+2029 are escaped, which ``ensure_ascii``
    does with every non-ASCII character; an object is parenthesised so that it
    cannot be read as a block.
    """
    try:
        literal = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} cannot be passed to VoiceXML: {error}") from error
    return f"({literal})" if isinstance(value, dict) else literal


def fetch_attributes(settings: FetchSettings | None, prefix: str = "") -> dict[str, str | None]:
    """The VoiceXML fetch attributes for ``settings`` (``prefix`` names them, e.g. ``"audio"`` for properties)."""
    if settings is None:
        return {}
    return {f"{prefix}fetchtimeout": _ms(settings.timeout_ms),
            f"{prefix}maxage": None if settings.max_age_s is None else str(settings.max_age_s),
            f"{prefix}maxstale": None if settings.max_stale_s is None else str(settings.max_stale_s),
            f"{prefix}fetchhint": settings.hint}


def _ms(value: int | None) -> str | None:
    if value is None:
        return None
    if value < 0:
        raise ValueError(f"a time cannot be negative ({value} ms)")
    return f"{value}ms"


# --- prompts and speech ------------------------------------------------------------------------



def _prompt(parent: etree._Element, prompt: Prompt, lang: str | None = None) -> None:
    element = _el(parent, "prompt", {"bargein": "true" if prompt.bargein else "false", XML_LANG: prompt.lang or lang})
    _speak(element, prompt.parts)


def _speak(parent: etree._Element, parts: tuple[Part, ...]) -> None:
    for part in parts:
        _part(part, parent)


@singledispatch
def _part(part: object, parent: etree._Element) -> None:
    raise TypeError(f"{type(part).__qualname__} is not a speech part the gateway can render")


@_part.register
def _text(part: str, parent: etree._Element) -> None:
    # Text goes after the last child (its tail) or, with no child yet, into the element's text.
    part = _xml_safe(part)
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + part
    else:
        parent.text = (parent.text or "") + part


@_part.register
def _audio(part: Audio, parent: etree._Element) -> None:
    _speak(_el(parent, "audio", {"src": part.src, **fetch_attributes(part.fetch)}), part.fallback)


@_part.register
def _pause(part: Pause, parent: etree._Element) -> None:
    _el(parent, "break", {"time": _ms(part.ms)})


@_part.register
def _mark(part: Mark, parent: etree._Element) -> None:
    # The VoiceXML DTD declares a mark's name as an ID: unique in the document (Mark checks its form).
    if parent.getroottree().xpath("//v:mark[@name=$name]", namespaces={"v": VXML_NS}, name=part.name):
        raise ValueError(f"mark name {part.name!r} is used twice in one turn")
    _el(parent, "mark", {"name": part.name})


@_part.register
def _say_as(part: SayAs, parent: etree._Element) -> None:
    _el(parent, "say-as", {"interpret-as": part.interpret_as, "format": part.format}, part.text)


@_part.register
def _emphasis(part: Emphasis, parent: etree._Element) -> None:
    _speak(_el(parent, "emphasis", {"level": part.level}), part.parts)


@_part.register
def _prosody(part: Prosody, parent: etree._Element) -> None:
    _speak(_el(parent, "prosody", {"rate": part.rate, "pitch": part.pitch, "volume": part.volume}), part.parts)


@_part.register
def _sentence(part: Sentence, parent: etree._Element) -> None:
    _speak(_el(parent, "s", {XML_LANG: part.lang}), part.parts)


@_part.register
def _paragraph(part: Paragraph, parent: etree._Element) -> None:
    _speak(_el(parent, "p", {XML_LANG: part.lang}), part.parts)


@_part.register
def _substitute(part: Substitute, parent: etree._Element) -> None:
    _el(parent, "sub", {"alias": part.alias}, part.text)


# --- grammars ----------------------------------------------------------------------------------


@singledispatch
def _grammar(grammar: object, field: etree._Element, mode: str) -> None:
    raise TypeError(f"{type(grammar).__qualname__} is not a grammar the gateway can render")


@_grammar.register
def _grammar_by_url(grammar: Grammar, field: etree._Element, mode: str) -> None:
    _el(field, "grammar", {"src": grammar.src, "mode": mode, "type": grammar.type, "weight": _weight(grammar.weight),
                           XML_LANG: grammar.lang, **fetch_attributes(grammar.fetch)})


@_grammar.register
def _abnf_grammar(grammar: AbnfGrammar, field: etree._Element, mode: str) -> None:
    """ABNF is text: the grammar element holds it (lxml escapes it), with the media type of SRGS ABNF."""
    declared = grammar.declared_mode
    if declared is not None and declared != mode:
        raise ValueError(f"inline grammar declares mode={declared!r} but is given as a {mode} grammar")
    _el(field, "grammar", {"type": "application/srgs", "mode": mode, "weight": _weight(grammar.weight)},
        grammar.document(mode))


@_grammar.register
def _inline_grammar(grammar: InlineGrammar, field: etree._Element, mode: str) -> None:
    """Parse the SRGS text (no DTD, no entities, no network) and move it into the VoiceXML namespace."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, encoding="utf-8")
    try:
        root = etree.fromstring(grammar.srgs.encode("utf-8"), parser)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"inline grammar is not well-formed XML: {error}") from error
    if root.getroottree().docinfo.doctype:
        raise ValueError("inline grammar must not have a DOCTYPE")
    if etree.QName(root).localname != "grammar":
        raise ValueError(f"inline grammar must be a <grammar> element, not <{etree.QName(root).localname}>")
    for element in root.iter(etree.Element):
        name = etree.QName(element)
        if name.namespace in (None, SRGS_NS):
            element.tag = _q(name.localname)
    etree.cleanup_namespaces(root)
    ids = root.xpath("//v:rule/@id", namespaces={"v": VXML_NS})
    taken = field.getroottree().xpath("//v:rule/@id", namespaces={"v": VXML_NS})
    clash = sorted(set(ids) & set(taken))
    if clash:
        raise ValueError(f"inline grammar rule id {clash[0]!r} is used twice in one turn (ids are document-wide)")
    declared = root.get("mode")
    if declared is None:
        root.set("mode", mode)
    elif declared != mode:
        raise ValueError(f"inline grammar declares mode={declared!r} but is given as a {mode} grammar")
    if root.get("version") is None:
        root.set("version", "1.0")  # SRGS requires it of an XML grammar
    if grammar.weight is not None:
        root.set("weight", _weight(grammar.weight))
    field.append(root)


def _weight(weight: float | None) -> str | None:
    return None if weight is None else _decimal(weight)


def _decimal(weight: float) -> str:
    """A grammar weight in the plain decimal form SRGS requires (no sign, no exponent)."""
    return format(Decimal(repr(float(weight))), "f")


# --- elements ----------------------------------------------------------------------------------


def element(parent: etree._Element | None, tag: str, attrs: Mapping[str, str | None] | None = None,
            text: str | None = None) -> etree._Element:
    """A VoiceXML element for a custom turn's renderer or a document hook.

    ``tag`` is put in the VoiceXML namespace; attributes whose value is
    ``None`` are left out; the element is appended to ``parent`` if given.
    lxml escapes ``text`` and the attribute values.
    """
    return _el(parent, tag, attrs, text)


def add_prompt(parent: etree._Element, prompt: Prompt, lang: str | None = None) -> None:
    """Append ``prompt`` to ``parent`` as the core turns do: its parts, barge-in and language (else ``lang``)."""
    _prompt(parent, prompt, lang)



def _q(tag: str) -> str:
    return f"{{{VXML_NS}}}{tag}"


# Characters XML 1.0 cannot carry at all; text from callers or back ends may hold them.


def _xml_safe(text: str) -> str:
    """``text`` with the characters XML cannot hold replaced by U+FFFD (everything else unchanged)."""
    return NOT_XML.sub("\ufffd", text)


def _attrs(attrs: Mapping[str, str | None]) -> dict[str, str]:
    return {name: _xml_safe(value) for name, value in attrs.items() if value is not None}


def _el(parent: etree._Element | None, tag: str, attrs: Mapping[str, str | None] | None = None,
        text: str | None = None) -> etree._Element:
    """A VoiceXML element with ``attrs`` (``None`` values left out), appended to ``parent`` if given."""
    attrib = _attrs(attrs or {})
    element = etree.Element(_q(tag), attrib) if parent is None else etree.SubElement(parent, _q(tag), attrib)
    element.text = None if text is None else _xml_safe(text)
    return element
