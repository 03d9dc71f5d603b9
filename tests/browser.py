"""Run the ECMAScript of a rendered turn as a VoiceXML browser would, with node, and read what it posts.

Only the script side of the browser is imitated: the root document's
``rayvr`` object, a ``session`` object, the declarations and scripts of the
turn's form in document order, and the catch-all that records an uncaught
error as ``error.semantic``. The JSON the document would post is read back
with :func:`gateway.wire.parse_result`, so a test goes from the rendered
document to the typed result the dialogue gets.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib import resources
from typing import Any

import pytest
from lxml import etree

from gateway.wire import parse_result
from runtime.results import InputResult
from vxml import parse

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed, so ECMAScript cannot be executed")
ROOT_JS = resources.files("gateway").joinpath("root.js").read_text(encoding="utf-8")
NS = {"v": "http://www.w3.org/2001/vxml"}


def node(program: str) -> str:
    """What ``program`` writes to stdout (it must succeed)."""
    assert NODE is not None
    done = subprocess.run([NODE, "-"], input=program, capture_output=True, text=True, encoding="utf-8",
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _statements(elements: list[etree._Element], scripts: dict[str, str]) -> list[str]:
    """Executable content as ECMAScript, up to the first ``<goto>``."""
    out = []
    for element in elements:
        tag = etree.QName(element).localname
        if tag == "var":
            expr = element.get("expr")
            out.append(f"var {element.get('name')} = ({expr});" if expr is not None else f"var {element.get('name')};")
        elif tag == "assign":
            out.append(f"{element.get('name')} = ({element.get('expr')});")
        elif tag == "script":
            src = element.get("src")
            out.append(scripts[src] if src is not None else element.text or "")
        elif tag == "goto":
            break
        else:
            raise AssertionError(f"the test browser does not run <{tag}>")
    return out


def _program(body: list[str], session: dict[str, Any] | None, tail: str) -> str:
    return "\n".join([
        ROOT_JS,
        f"var session = {json.dumps(session or {})};",
        "rayvr.reset();",
        "try {",
        *body,
        "} catch (e) { rayvr.event('error.semantic', String(e)); }",
        tail,
    ])


def run_turn(document: bytes, *, session: dict[str, Any] | None = None, returned: str = "undefined",
             scripts: dict[str, str] | None = None) -> InputResult:
    """The result a browser posts after running the turn's form of ``document``.

    Args:
        session: the ``session`` variables (``{"connection": {...}}``).
        returned: ECMAScript for what a subdialog or object returned.
        scripts: the source of each script fetched by URL.
    """
    root = parse(document)
    [form] = root.xpath("v:form[not(@id)]", namespaces=NS)
    items = form.xpath("v:subdialog | v:object", namespaces=NS)
    if items:
        [item] = items
        body = _statements(form.xpath("v:var", namespaces=NS), {})
        body.append(f"var {item.get('name')} = ({returned});")
        [filled] = item.xpath("v:filled", namespaces=NS)
        body += _statements(list(filled), scripts or {})
    else:
        [block] = form.xpath("v:block", namespaces=NS)
        body = _statements(list(block), scripts or {})
    posted = node(_program(body, session, "process.stdout.write(rayvr.json(rayvr.result));"))
    return parse_result({"result": posted})


def declared(document: bytes, *expressions: str) -> list[Any]:
    """The values of ``expressions`` after the ``<var>`` declarations of the document's first form."""
    root = parse(document)
    form = root.xpath("v:form[1]", namespaces=NS)[0]
    body = _statements(form.xpath(".//v:var", namespaces=NS), {})
    values = ", ".join(f"rayvr.json({e})" for e in expressions)
    return [json.loads(v) for v in json.loads(node(
        "\n".join([ROOT_JS, "var session = {connection: {remote: {uri: 'tel:+15551234'}}};", *body,
                   f"process.stdout.write(JSON.stringify([{values}]));"])))]
