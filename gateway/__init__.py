"""rayvr's HTTP gateway: VoiceXML browser requests in, call actors behind, VoiceXML documents out.

Importing the package registers the renderers and result readers of every
turn family (core turns live in :mod:`gateway.render`).
"""

from gateway import interaction, render, uploads, wire  # noqa: F401
