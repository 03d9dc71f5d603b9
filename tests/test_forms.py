"""gateway.wire.decode_form: urlencoded bodies and query strings in any declared charset, or none."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from gateway.wire import decode_form, parse_result
from runtime.errors import BadResult
from runtime.results import Hypothesis, Recognition

TRICKY = "Fish & chips <today> \"quoted\" 'single' + 100% = café naïve 日本語 العربية Привет 🎉\u2028\\"


def test_fields_in_order_with_plus_as_space_and_percent_escapes() -> None:
    assert decode_form(b"a=1&b=two+words&a=%26%3D%2B&empty=&flag&&c=%E2%82%AC") == [
        ("a", "1"), ("b", "two words"), ("a", "&=+"), ("empty", ""), ("flag", ""), ("c", "€")]
    assert decode_form(b"") == []


def test_tricky_text_round_trips_through_urlencode() -> None:
    body = urlencode({"result": TRICKY, TRICKY: "key"}).encode("ascii")
    assert decode_form(body) == [("result", TRICKY), (TRICKY, "key")]
    assert decode_form(body, "UTF-8") == [("result", TRICKY), (TRICKY, "key")]


@pytest.mark.parametrize("charset", ["UTF-8", "utf-8", "utf8", "Utf-8", "UTF8"])
def test_every_spelling_of_utf_8(charset: str) -> None:
    assert decode_form(urlencode({"t": TRICKY}).encode(), charset) == [("t", TRICKY)]


@pytest.mark.parametrize("charset", ["ISO-8859-1", "iso-8859-1", "latin1", "latin-1", "windows-1252"])
def test_a_declared_single_byte_charset(charset: str) -> None:
    text = "café naïve Zoë"
    assert decode_form(urlencode({"t": text}, encoding="iso-8859-1").encode(), charset) == [("t", text)]


def test_a_declared_multi_byte_charset() -> None:
    assert decode_form(urlencode({"t": "日本語"}, encoding="utf-16-le").encode(), "UTF-16LE") == [("t", "日本語")]


def test_raw_unescaped_bytes_are_read_in_the_charset_too() -> None:
    assert decode_form("t=café 日本語 🎉".encode()) == [("t", "café 日本語 🎉")]
    assert decode_form("t=café".encode("iso-8859-1"), "ISO-8859-1") == [("t", "café")]


def test_undeclared_text_is_utf_8_else_iso_8859_1() -> None:
    assert decode_form(b"a=caf%C3%A9&b=caf%E9&c=na%EFve") == [("a", "café"), ("b", "café"), ("c", "naïve")]
    assert decode_form(b"a=caf%C3%A9&b=caf%E9", "") == [("a", "café"), ("b", "café")], "an empty charset says nothing"


def test_a_query_string_as_text_gives_back_the_bytes_sent() -> None:
    # The HTTP parser hands over the query as text: raw UTF-8 decoded, undecodable bytes as surrogates.
    assert decode_form("q=caf%C3%A9&r=日本語&s=%F0%9F%8E%89") == [("q", "café"), ("r", "日本語"), ("s", "🎉")]
    assert decode_form(b"q=caf\xe9".decode("utf-8", "surrogateescape")) == [("q", "café")]


@pytest.mark.parametrize(("body", "charset", "says"), [
    (b"a=1", "bogus", "declares charset 'bogus', which is not a known charset"),
    (b"a=1", "base64", "declares charset 'base64', which is not a known charset"),
    (b"a=caf%E9", "utf-8", "a form field is not valid utf-8"),
    (b"a=\xff", "UTF-8", "a form field is not valid utf-8"),
])
def test_text_that_cannot_be_read_in_the_declared_charset_is_refused(body: bytes, charset: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        decode_form(body, charset)


def test_too_many_fields_are_refused() -> None:
    assert len(decode_form(b"&".join([b"a=1"] * 10), max_fields=10)) == 10
    with pytest.raises(ValueError, match="more than 10 fields"):
        decode_form(b"&".join([b"a=1"] * 11), max_fields=10)


def test_a_result_in_both_the_query_and_the_body_counts_once_if_the_same() -> None:
    said = json.dumps({"recognition": [{"utterance": TRICKY, "interpretation": None, "confidence": 1,
                                        "inputmode": "voice"}]}, ensure_ascii=False)
    assert parse_result({"result": [said, said]}) == Recognition((Hypothesis(TRICKY, None, 1.0, "voice"),))
    with pytest.raises(BadResult, match="the post has 2 different 'result' fields"):
        parse_result({"result": [said, "{}"]})
