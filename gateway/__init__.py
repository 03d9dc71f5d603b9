"""rayvr's HTTP gateway: VoiceXML browser requests in, call actors behind, VoiceXML documents out.

Importing the package registers the renderers and result readers of every
turn family (core and last turns live in :mod:`gateway.render`; subdialog,
object and script turns in :mod:`gateway.invocations`).
"""

from gateway import interaction, invocations, render, transfers, uploads, wire  # noqa: F401
