"""How the browser fetches what a document names: audio, grammars, objects, subdialogs, documents."""

from __future__ import annotations

from dataclasses import dataclass

from runtime._codec import wire


@wire
@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How the browser fetches a resource (audio, grammar, object, subdialog, document).

    Args:
        timeout_ms: how long to wait for the resource (``fetchtimeout``).
        max_age_s: the oldest cached copy to accept without revalidating (``maxage``).
        max_stale_s: how far past its expiry a cached copy may still be used (``maxstale``).
        hint: ``"prefetch"`` (fetch when the document loads) or ``"safe"`` (only when needed).
    """

    timeout_ms: int | None = None
    max_age_s: int | None = None
    max_stale_s: int | None = None
    hint: str | None = None

    def __post_init__(self) -> None:
        for name in ("timeout_ms", "max_age_s", "max_stale_s"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} cannot be negative")
        if self.hint not in (None, "prefetch", "safe"):
            raise ValueError(f"fetch hint must be 'prefetch' or 'safe', not {self.hint!r}")
