"""Grammars: what the caller may say or key, by URL, as inline SRGS XML, or as inline ABNF text.

A grammar's *mode* (DTMF or voice) comes from where a turn lists it
(``dtmf=`` or ``speech=``); a grammar that declares a mode of its own must
agree. Everything the gateway would refuse is refused here, when the grammar
or the turn holding it is built: a document that cannot be rendered after the
turn was journaled would leave the call stuck.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from runtime._codec import wire
from runtime._values import xml_text
from runtime.fetching import FetchSettings

SRGS_NS = "http://www.w3.org/2001/06/grammar"
MODES = ("dtmf", "voice")
# Rule ids starting with this are the gateway's own (the acknowledgement's empty grammar).
RESERVED_RULE_PREFIX = "rayvr"

_LANG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_MEDIA_TYPE = re.compile(r"[\w.+-]+/[\w.+-]+(?:\s*;\s*[\w.+-]+=(?:[\w.+-]+|\"[^\"\\]*\"))*")
_ABNF_RULE = re.compile(r"\$?([A-Za-z_][A-Za-z0-9_]*)")
_TAG_FORMAT = re.compile(r"[^\s<>;]+")
_ABNF_MODE = re.compile(r"^\s*mode\s+(\w+)\s*;", re.M)
# Characters XML 1.0 cannot carry (lxml refuses them when the document is built).


def check_lang(lang: str | None, what: str = "language") -> str | None:
    """A language tag such as ``en-US`` (or None)."""
    if lang is not None and not (isinstance(lang, str) and _LANG.fullmatch(lang)):
        raise ValueError(f"{what} {lang!r} is not a language tag such as 'en-US'")
    return lang


def check_media_type(media_type: str | None, what: str = "media type") -> str | None:
    """A media type such as ``audio/x-wav`` or ``application/srgs+xml; charset=utf-8`` (or None)."""
    if media_type is not None and not (isinstance(media_type, str) and _MEDIA_TYPE.fullmatch(media_type)):
        raise ValueError(f"{what} {media_type!r} is not a media type such as 'audio/x-wav'")
    return media_type


def _check_weight(weight: float | None) -> None:
    if weight is not None and (isinstance(weight, bool) or not isinstance(weight, (int, float))
                               or not 0 <= weight < float("inf")):
        raise ValueError(f"a grammar weight must be a non-negative finite number, not {weight!r}")


@wire
@dataclass(frozen=True, slots=True)
class Grammar:
    """A grammar fetched from a URL, ``builtin:`` ones included (``builtin:dtmf/digits?length=4``).

    A rule other than the grammar's root is chosen with a fragment
    (``menu.grxml#departments``).

    Args:
        src: the grammar's URL.
        type: its media type (``application/srgs+xml``), when the server's is wrong or missing.
        weight: its weight relative to the other grammars of the turn (1.0 by default).
        lang: the language of the grammar (``xml:lang``).
        fetch: how the browser fetches it (timeout, cache age, hint).
    """

    src: str
    type: str | None = None
    weight: float | None = None
    lang: str | None = None
    fetch: FetchSettings | None = None

    def __post_init__(self) -> None:
        if not xml_text(self.src, "a grammar's src"):
            raise ValueError("a grammar's src cannot be empty")
        check_media_type(self.type, "grammar type")
        _check_weight(self.weight)
        check_lang(self.lang, "grammar language")
        if self.fetch is not None and not isinstance(self.fetch, FetchSettings):
            raise TypeError(f"fetch must be FetchSettings, not {type(self.fetch).__qualname__}")


@wire
@dataclass(frozen=True, slots=True)
class InlineGrammar:
    """An SRGS XML grammar written into the document.

    ``srgs`` is the grammar element as XML text, with or without the SRGS
    namespace; the gateway moves it into the VoiceXML namespace, as the
    VoiceXML schema requires for inline grammars. Its root rule, language and
    tag format are written in it (``root=``, ``xml:lang=``, ``tag-format=``).
    Rule ids are document-wide, so two inline grammars of one turn cannot
    share one, and ids starting with ``rayvr`` are reserved.

    Args:
        srgs: the ``<grammar>`` element (an XML declaration may precede it; a DOCTYPE may not).
        weight: its weight relative to the other grammars of the turn.
    """

    srgs: str
    weight: float | None = None

    def __post_init__(self) -> None:
        _check_weight(self.weight)
        _parse_srgs(xml_text(self.srgs, "an inline grammar"))

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """The ids of the grammar's rules."""
        return _parse_srgs(self.srgs)[1]

    @property
    def declared_mode(self) -> str | None:
        """The mode the grammar declares (``mode=``), if any."""
        return _parse_srgs(self.srgs)[0]

    @property
    def renamable(self) -> bool:
        """Whether its rule ids can be changed safely: no rule of it refers to another of it."""
        return not _parse_srgs(self.srgs)[2]

    def with_rule_suffix(self, suffix: str) -> "InlineGrammar":
        """The same grammar with ``suffix`` added to every rule id (and to its root)."""
        root = etree.fromstring(self.srgs.encode("utf-8"), _parser())
        ids = set(self.rule_ids)
        for element in root.iter(etree.Element):
            if etree.QName(element).localname == "rule" and element.get("id") in ids:
                element.set("id", element.get("id") + suffix)
        if root.get("root") in ids:
            root.set("root", root.get("root") + suffix)
        return InlineGrammar(etree.tostring(root, encoding="unicode"), self.weight)

    @staticmethod
    def choices(options: dict[str, str], *, mode: str = "dtmf", lang: str | None = None,
                weight: float | None = None) -> "InlineGrammar":
        """A grammar that accepts exactly the keys of ``options``, interpreted as their values."""
        if mode not in MODES:
            raise ValueError(f"mode must be 'dtmf' or 'voice', not {mode!r}")
        check_lang(lang)
        items = "".join(f"<item>{escape(said)}<tag>out={escape(json.dumps(value))};</tag></item>"
                        for said, value in options.items())
        lang_attr = f" xml:lang={quoteattr(lang)}" if lang else ""
        rule = quoteattr(f"{mode}Choice")  # rule ids are document-wide IDs: one per mode keeps them apart
        return InlineGrammar(
            f'<grammar version="1.0" mode={quoteattr(mode)} root={rule} tag-format="semantics/1.0"{lang_attr}>'
            f'<rule id={rule} scope="public"><one-of>{items}</one-of></rule></grammar>', weight)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, encoding="utf-8")


@lru_cache(maxsize=256)
def _parse_srgs(srgs: str) -> tuple[str | None, tuple[str, ...], bool]:
    """Check an inline SRGS grammar's shape; its declared mode, its rule ids, whether it refers to its own rules."""
    try:
        root = etree.fromstring(srgs.encode("utf-8"), _parser())
    except etree.XMLSyntaxError as error:
        raise ValueError(f"inline grammar is not well-formed XML: {error}") from error
    if root.getroottree().docinfo.doctype:
        raise ValueError("inline grammar must not have a DOCTYPE")
    name = etree.QName(root)
    if name.localname != "grammar" or name.namespace not in (None, SRGS_NS):
        raise ValueError(f"inline grammar must be an SRGS <grammar> element, not <{name.localname}>")
    mode = root.get("mode")
    if mode is not None and mode not in MODES:
        raise ValueError(f"inline grammar declares mode={mode!r}; SRGS modes are 'dtmf' and 'voice'")
    check_lang(root.get("{http://www.w3.org/XML/1998/namespace}lang"), "inline grammar language")
    ids = tuple(element.get("id") for element in root.iter(etree.Element)
                if etree.QName(element).localname == "rule" and element.get("id") is not None)
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"inline grammar defines rule id {repeated[0]!r} twice")
    reserved = [i for i in ids if i.startswith(RESERVED_RULE_PREFIX)]
    if reserved:
        raise ValueError(f"inline grammar rule id {reserved[0]!r} starts with {RESERVED_RULE_PREFIX!r}, "
                         "which is reserved for the gateway's own grammars")
    local_refs = any(etree.QName(element).localname == "ruleref" and (element.get("uri") or "").startswith("#")
                     for element in root.iter(etree.Element))
    return mode, ids, local_refs


@wire
@dataclass(frozen=True, slots=True)
class AbnfGrammar:
    """An SRGS grammar in ABNF form, written into the document as text (``type="application/srgs"``).

    Give the rules alone and the gateway writes the self-identifying header
    (``#ABNF 1.0;``, language, mode, root, tag format) from the arguments; or
    give a whole grammar starting with ``#ABNF``, header included, and no
    header arguments::

        AbnfGrammar("$yesno = yes {out=true;} | no {out=false;};", root="yesno",
                    tag_format="semantics/1.0", lang="en-US")

    Args:
        text: the rules, or a whole ABNF grammar.
        root: the root rule's name (with or without ``$``); required with rules alone.
        lang: the grammar's language (``language`` declaration).
        tag_format: the tag format (``semantics/1.0``).
        weight: its weight relative to the other grammars of the turn.
    """

    text: str
    root: str | None = None
    lang: str | None = None
    tag_format: str | None = None
    weight: float | None = None

    def __post_init__(self) -> None:
        xml_text(self.text, "an ABNF grammar")
        _check_weight(self.weight)
        check_lang(self.lang, "grammar language")
        if self.has_header:
            given = [name for name in ("root", "lang", "tag_format") if getattr(self, name) is not None]
            if given:
                raise ValueError(f"this ABNF grammar has its own #ABNF header; declare {given[0]} in it, "
                                 "not as an argument")
            mode = self.declared_mode
            if mode is not None and mode not in MODES:
                raise ValueError(f"ABNF grammar declares mode {mode!r}; SRGS modes are 'dtmf' and 'voice'")
            return
        if not self.text.strip():
            raise ValueError("an ABNF grammar needs rules")
        if self.root is None:
            raise ValueError("an ABNF grammar given without its #ABNF header needs root= (its root rule)")
        match = _ABNF_RULE.fullmatch(self.root)
        if not match:
            raise ValueError(f"{self.root!r} is not an ABNF rule name")
        object.__setattr__(self, "root", match.group(1))
        if self.tag_format is not None and not _TAG_FORMAT.fullmatch(self.tag_format):
            raise ValueError(f"{self.tag_format!r} is not a tag format such as 'semantics/1.0'")

    @property
    def has_header(self) -> bool:
        """Whether the text is a whole grammar with its own ``#ABNF`` header."""
        return self.text.lstrip().startswith("#ABNF")

    @property
    def declared_mode(self) -> str | None:
        """The mode a whole grammar's header declares, if any."""
        if not self.has_header:
            return None
        match = _ABNF_MODE.search(self.text.lstrip().removeprefix("#ABNF").split("$", 1)[0].replace(";", ";\n"))
        return match.group(1) if match else None

    def document(self, mode: str) -> str:
        """The grammar text as written into the document, as a ``mode`` grammar."""
        if self.has_header:
            return self.text
        header = ["#ABNF 1.0;"]
        if self.lang:
            header.append(f"language {self.lang};")
        header.append(f"mode {mode};")
        header.append(f"root ${self.root};")
        if self.tag_format:
            header.append(f"tag-format <{self.tag_format}>;")
        return "\n".join(header) + "\n" + self.text


AnyGrammar = Grammar | InlineGrammar | AbnfGrammar
GRAMMAR_TYPES = (Grammar, InlineGrammar, AbnfGrammar)


def grammars_of(value: AnyGrammar | Iterable[AnyGrammar] | None, mode: str | None = None) -> tuple[AnyGrammar, ...]:
    """Accept one grammar, several, or none; with ``mode``, check that none declares another mode."""
    if value is None:
        return ()
    grammars = (value,) if isinstance(value, GRAMMAR_TYPES) else tuple(value)
    for grammar in grammars:
        if not isinstance(grammar, GRAMMAR_TYPES):
            raise TypeError(f"{type(grammar).__qualname__} is not a grammar; use Grammar, InlineGrammar "
                            "or AbnfGrammar")
        declared = getattr(grammar, "declared_mode", None)
        if mode is not None and declared is not None and declared != mode:
            raise ValueError(f"inline grammar declares mode={declared!r} but is given as a {mode} grammar")
    return grammars


Placed = tuple[AnyGrammar, str]  # a grammar and the mode it is listed in


def distinct_rule_ids(groups: Iterable[tuple[Placed, ...]]) -> list[tuple[Placed, ...]]:
    """The groups, each rendered once, with inline grammars whose rule ids are already taken given fresh ones.

    Rule ids are document-wide, so an inline grammar that two elements of a
    turn listen to is written twice under different ids (``dtmfChoice_2``).
    That is only safe for a grammar with no rule references of its own
    (semantic tags name referenced rules); another is refused.
    """
    taken: set[str] = set()
    result: list[tuple[Placed, ...]] = []
    for group in groups:
        placed: list[Placed] = []
        for grammar, mode in group:
            if isinstance(grammar, InlineGrammar) and taken & set(grammar.rule_ids):
                if not grammar.renamable:
                    clash = sorted(taken & set(grammar.rule_ids))[0]
                    raise ValueError(f"inline grammar rule id {clash!r} is used twice in one turn (ids are "
                                     "document-wide): give the grammars different rule ids, list the same grammar "
                                     "in consecutive phases so it is written once, or fetch it by URL")
                suffix = 2
                while taken & {f"{rule}_{suffix}" for rule in grammar.rule_ids}:
                    suffix += 1
                grammar = grammar.with_rule_suffix(f"_{suffix}")
            taken.update(getattr(grammar, "rule_ids", ()))
            placed.append((grammar, mode))
        result.append(tuple(placed))
    return result
