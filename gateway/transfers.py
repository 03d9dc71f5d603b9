"""Transfers in VoiceXML: the ``<transfer>`` form item, and reading its outcome back.

The transfer is the form's only item. Its prompts and cancel grammars are its
children, so the grammars listen while the prompts play (and, for a bridge
transfer, for the whole call). When the transfer ends with a status, its
``<filled>`` records it with ``rayvr.transfer`` (``root.js``)::

    "transfer": {"status": "busy", "duration": 0}

``duration`` is the ``duration`` shadow variable, in seconds (null when the
platform sets none). When a cancel grammar ended the transfer, the caller's
input is recorded as the turn's ``recognition``. Everything else arrives as an
event through the document's catch-all: ``connection.disconnect.transfer``
(the caller was handed over), ``error.connection.*`` and
``error.unsupported.transfer.*``.
"""

from __future__ import annotations

from lxml import etree

from gateway.render import SUBMIT_FORM, RenderContext, _el, _grammar, _ms, _prompt, renderer
from gateway.wire import Posted, _hypothesis, bad, expect_list, expect_number, expect_object, expect_str, result_reader
from runtime.results import Recognition
from runtime.transfers import Transfer, TransferResult, TransferStatus

TRANSFER_ITEM = "rayvrTransfer"
_RECORD_TRANSFER = f"rayvr.transfer({TRANSFER_ITEM}, {TRANSFER_ITEM}$, application.lastresult$);"
_STATUSES = {status.value: status for status in TransferStatus}


@renderer(Transfer)
def _transfer(turn: Transfer, ctx: RenderContext) -> etree._Element:
    form = _el(None, "form")
    item = _el(form, "transfer", {
        "name": TRANSFER_ITEM, "type": turn.type, "dest": turn.dest, "destexpr": turn.dest_expr, "aai": turn.aai,
        "aaiexpr": turn.aai_expr, "connecttimeout": _ms(turn.connect_timeout_ms), "maxtime": _ms(turn.max_time_ms),
        "transferaudio": turn.transfer_audio})
    for grammar in turn.cancel_dtmf:
        _grammar(grammar, item, "dtmf")
    for grammar in turn.cancel_speech:
        _grammar(grammar, item, "voice")
    for prompt in turn.prompts:
        _prompt(item, prompt)
    filled = _el(item, "filled")
    _el(filled, "script", text=_RECORD_TRANSFER)
    _el(filled, "goto", {"next": f"#{SUBMIT_FORM}"})
    return form


@result_reader("transfer")
def _read_transfer(value: object, posted: Posted) -> TransferResult:
    """The transfer's outcome; a status outside VoiceXML's list is kept as ``vendor_status`` of an ``unknown``."""
    item = expect_object(value, "transfer")
    reported = expect_str(item, "status", "transfer")
    status = _STATUSES.get(reported.strip().lower())
    duration = item.get("duration")
    duration_s = 0.0 if duration is None else expect_number(duration, "transfer.duration")
    if duration_s < 0:
        bad(f"transfer.duration is {duration!r}, not a number of seconds")
    hypotheses = tuple(_hypothesis(entry, f"recognition[{i}]")
                       for i, entry in enumerate(expect_list(posted.data, "recognition")))
    return TransferResult(status=status or TransferStatus.UNKNOWN, duration_s=duration_s,
                          cancelled_by=Recognition(hypotheses, posted.mark) if hypotheses else None,
                          vendor_status=None if status else reported)
