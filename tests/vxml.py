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
def vxml_dtd() -> etree.DTD:
    """The VoiceXML 2.1 DTD, a second check next to the XSD."""
    return etree.DTD(str(SCHEMA_DIR / "vxml.dtd"))


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

