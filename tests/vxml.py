"""Offline validation of generated documents against the W3C schemas in ``tests/vxml-schema/``.

The schema and the DTD are loaded once per test run. The schemas import
``http://www.w3.org/2001/xml.xsd`` by URL; a resolver maps it to the local copy
so nothing is fetched.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

SCHEMA_DIR = Path(__file__).parent / "vxml-schema"
VXML_NS = "http://www.w3.org/2001/vxml"
SRGS_NS = "http://www.w3.org/2001/06/grammar"
SSML_NS = "http://www.w3.org/2001/10/synthesis"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'


class _LocalXmlXsd(etree.Resolver):
    def resolve(self, url: str, pubid: str | None, context: object) -> object | None:
        if url.endswith("/2001/xml.xsd"):
            return self.resolve_filename(str(SCHEMA_DIR / "xml.xsd"), context)
        return None


@cache
def vxml_schema() -> etree.XMLSchema:
    """The VoiceXML 2.1 XSD (which includes the SRGS and SSML schemas)."""
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalXmlXsd())
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "vxml.xsd"), parser))


@cache
def schema(name: str) -> etree.XMLSchema:
    """A W3C schema from ``tests/vxml-schema`` (``grammar.xsd`` for SRGS, ``synthesis.xsd`` for SSML)."""
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalXmlXsd())
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / name), parser))


@cache
def vxml_dtd() -> etree.DTD:
    """The VoiceXML 2.1 DTD, a second check next to the XSD."""
    return etree.DTD(str(SCHEMA_DIR / "vxml.dtd"))


def xpath(root: etree._Element, path: str) -> list:
    """``path`` evaluated on ``root``, with ``v:`` the VoiceXML namespace."""
    return root.xpath(path, namespaces={"v": VXML_NS})


def one(root: etree._Element, path: str) -> etree._Element:
    """The single match of ``path`` (``v:`` the VoiceXML namespace); fails unless there is exactly one."""
    found = xpath(root, path)
    assert len(found) == 1, f"{path}: {len(found)} matches"
    return found[0]


def parse(document: bytes) -> etree._Element:
    """Parse a generated document the way a browser would, without network or entity expansion."""
    return etree.fromstring(document, etree.XMLParser(no_network=True, resolve_entities=False))


def assert_valid_vxml(document: bytes) -> etree._Element:
    """Check a UTF-8 VoiceXML 2.1 document against the XSD and the DTD; return its root element."""
    assert document.startswith(DECLARATION), f"no UTF-8 XML declaration: {document[:60]!r}"
    root = parse(document)
    assert root.tag == f"{{{VXML_NS}}}vxml", f"root element is {root.tag}, not vxml in the VoiceXML namespace"
    assert root.get("version") == "2.1", f"vxml version is {root.get('version')!r}, not '2.1'"
    xsd = vxml_schema()
    if not xsd.validate(root):
        raise AssertionError(f"not valid VoiceXML (XSD):\n{xsd.error_log}\n{document.decode()}")
    dtd = vxml_dtd()
    if not dtd.validate(root):
        raise AssertionError(f"not valid VoiceXML (DTD):\n{dtd.error_log}\n{document.decode()}")
    return root



def _moved(element: etree._Element, namespace: str) -> etree._Element:
    copy = etree.fromstring(etree.tostring(element, with_tail=False))
    for item in copy.iter(etree.Element):
        item.tag = f"{{{namespace}}}{etree.QName(item).localname}"
    etree.cleanup_namespaces(copy)
    return copy


def assert_valid_srgs(grammar: etree._Element) -> None:
    """An inline grammar of a document, moved back into the SRGS namespace, is a valid SRGS 1.0 grammar."""
    copy = _moved(grammar, SRGS_NS)
    copy.attrib.pop("weight", None)  # VoiceXML's own attribute on <grammar>
    copy = etree.fromstring(etree.tostring(copy))
    srgs = schema("grammar.xsd")
    assert srgs.validate(copy), f"not valid SRGS:\n{srgs.error_log}\n{etree.tostring(copy).decode()}"


# VoiceXML additions to SSML inside prompts: elements and attributes the SSML schema does not know.
_VXML_ONLY_ELEMENTS = ("value", "enumerate", "foreach")
_VXML_ONLY_ATTRIBUTES = ("expr", "fetchtimeout", "fetchhint", "maxage", "maxstale")


def assert_valid_ssml(prompt: etree._Element, lang: str) -> bool:
    """A prompt's content, as an SSML ``<speak>`` document, is valid SSML 1.0.

    VoiceXML's own additions (``<value>``, ``<audio expr>``, fetch attributes)
    are not SSML: a prompt using them is not checked, and False is returned.
    """
    if prompt.xpath(" | ".join(f".//v:{tag}" for tag in _VXML_ONLY_ELEMENTS), namespaces={"v": VXML_NS}):
        return False
    speak = etree.Element(f"{{{SSML_NS}}}speak", {"version": "1.0", XML_LANG: prompt.get(XML_LANG) or lang},
                          nsmap={None: SSML_NS})
    speak.text = prompt.text
    for child in prompt:
        speak.append(_moved(child, SSML_NS))
        speak[-1].tail = child.tail
    for element in speak.iter(etree.Element):
        for attribute in _VXML_ONLY_ATTRIBUTES:
            if attribute in element.attrib:
                return False
    ssml = schema("synthesis.xsd")
    assert ssml.validate(speak), f"not valid SSML:\n{ssml.error_log}\n{etree.tostring(speak).decode()}"
    return True


def assert_valid_parts(root: etree._Element) -> int:
    """Every inline grammar of a document is valid SRGS, every plain-SSML prompt valid SSML; how many were checked."""
    checked = 0
    for grammar in root.xpath("//v:grammar[v:rule]", namespaces={"v": VXML_NS}):
        assert_valid_srgs(grammar)
        checked += 1
    lang = root.get(XML_LANG) or "en-US"
    for prompt in root.xpath("//v:prompt", namespaces={"v": VXML_NS}):
        checked += assert_valid_ssml(prompt, lang)
    return checked
