"""The ``rayvr`` command.

``rayvr serve`` starts the gateway. With no ``--address`` it starts a local,
embedded Ray (dashboard included); with one it joins an existing cluster.
Every flag has an environment-variable equivalent (``RAYVR_<FLAG>``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Sequence

from runtime import (NAMESPACE, CallConfig, RayKVStore, configure_logging, import_dialogues, purge_ended,
                     registered)

log = logging.getLogger("rayvr.cli")


def _env(name: str, default: str) -> str:
    return os.environ.get(f"RAYVR_{name}", default)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface (defaults come from RAYVR_* environment variables)."""
    parser = argparse.ArgumentParser(prog="rayvr", description="Durable VoiceXML dialogues on Ray.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the gateway (and a local Ray unless --address is given)",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    serve.add_argument("--address", default=_env("ADDRESS", ""),
                       help="Ray cluster to join, e.g. 'auto' or 'HOST:6379'; empty starts a local Ray [RAYVR_ADDRESS]")
    serve.add_argument("--host", default=_env("HOST", "127.0.0.1"), help="address to listen on [RAYVR_HOST]")
    serve.add_argument("--port", type=int, default=int(_env("PORT", "8080")), help="port to listen on [RAYVR_PORT]")
    serve.add_argument("--dialogues", default=_env("DIALOGUES", "dialogues"),
                       help="comma-separated modules that register dialogues [RAYVR_DIALOGUES]")
    serve.add_argument("--idle-timeout", type=float, default=float(_env("IDLE_TIMEOUT", "1800")),
                       help="seconds without a post after which a call is ended [RAYVR_IDLE_TIMEOUT]")
    serve.add_argument("--pool-size", type=int, default=int(_env("POOL_SIZE", "2")),
                       help="call actors kept ready ahead of calls [RAYVR_POOL_SIZE]")
    serve.add_argument("--actor-timeout", type=float, default=float(_env("ACTOR_TIMEOUT", "8")),
                       help="seconds a request waits on a call's actor before answering 'retry' [RAYVR_ACTOR_TIMEOUT]")
    serve.add_argument("--max-body", type=int, default=int(_env("MAX_BODY", str(1024 * 1024))),
                       help="largest request body accepted, in bytes [RAYVR_MAX_BODY]")
    serve.add_argument("--recordings", default=_env("RECORDINGS", "recordings"),
                       help="directory where uploaded recordings are stored (shared by every gateway of a cluster) "
                            "[RAYVR_RECORDINGS]")
    serve.add_argument("--max-recording-bytes", type=int,
                       default=int(_env("MAX_RECORDING_BYTES", str(10 * 1024 * 1024))),
                       help="largest recording kept, in bytes; a larger one reaches the dialogue as 'too large' "
                            "[RAYVR_MAX_RECORDING_BYTES]")
    serve.add_argument("--lang", default=_env("LANG", "en-US"), help="default document language [RAYVR_LANG]")
    serve.add_argument("--fetch-audio", default=_env("FETCH_AUDIO", "") or None,
                       help="audio URL played while a turn is submitted [RAYVR_FETCH_AUDIO]")
    serve.add_argument("--document-hook", action="append", metavar="MODULE:FUNCTION",
                       help="a function hook(root, turn, ctx) that post-processes every turn's document; repeat "
                            "for more, applied in order [RAYVR_DOCUMENT_HOOKS, comma-separated]")
    serve.add_argument("--base-path", default=_env("BASE_PATH", ""), help="URL prefix of every route [RAYVR_BASE_PATH]")
    serve.add_argument("--no-dashboard", action="store_true", default=_env("NO_DASHBOARD", "") == "1",
                       help="do not start the Ray dashboard with a local Ray [RAYVR_NO_DASHBOARD=1]")
    serve.add_argument("--call-resource", default=_env("CALL_RESOURCE", "") or None,
                       help="custom Ray resource that caps calls per node, e.g. rayvr_call [RAYVR_CALL_RESOURCE]")
    serve.add_argument("--log-level", default=_env("LOG_LEVEL", "INFO"), help="log level [RAYVR_LOG_LEVEL]")
    purge = commands.add_parser("purge", help="delete the records of calls that ended long ago",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    purge.add_argument("--address", default=_env("ADDRESS", "auto") or "auto",
                       help="the Ray cluster whose records to purge [RAYVR_ADDRESS]")
    purge.add_argument("--older-than", type=float, default=float(_env("PURGE_OLDER_THAN", str(7 * 24 * 3600))),
                       help="seconds since a call ended before its records go [RAYVR_PURGE_OLDER_THAN]")
    return parser


def purge(args: argparse.Namespace) -> None:
    """Delete the checkpoint records of calls that ended at least ``--older-than`` seconds ago."""
    import ray

    configure_logging("WARNING")
    ray.init(address=args.address, namespace=NAMESPACE, logging_level="ERROR")
    try:
        purged = purge_ended(RayKVStore(), args.older_than)
    finally:
        ray.shutdown()
    print(f"purged the records of {len(purged)} ended call(s)")


def document_hooks(args: argparse.Namespace) -> list[str]:
    """The ``module:function`` names of the document hooks: the flags, else RAYVR_DOCUMENT_HOOKS."""
    return args.document_hook or _env("DOCUMENT_HOOKS", "").split(",")


def serve(args: argparse.Namespace) -> None:
    """Connect to (or start) Ray and run the gateway until interrupted."""
    import ray
    from aiohttp import web

    from gateway.app import GatewayConfig, create_app
    from gateway.hooks import load_hooks
    from gateway.storage import DirectoryStorage

    configure_logging(args.log_level)
    modules = tuple(m.strip() for m in args.dialogues.split(",") if m.strip())
    # Dialogue modules next to where rayvr is started are importable, here and in every call actor.
    sys.path.insert(0, os.getcwd())
    import_dialogues(modules)
    hooks = load_hooks(document_hooks(args))  # before Ray starts: a misspelt hook fails fast
    runtime_env = {"env_vars": {"PYTHONPATH": os.pathsep.join(filter(None, [os.getcwd(), os.environ.get("PYTHONPATH")]))}}
    if args.address:
        ray.init(address=args.address, namespace=NAMESPACE, runtime_env=runtime_env)
    else:
        # "local": always a new Ray of our own, never one that RAY_ADDRESS or an earlier run points at.
        ray.init(address="local", namespace=NAMESPACE, include_dashboard=not args.no_dashboard,
                 runtime_env=runtime_env)
    calls = CallConfig(store=RayKVStore(), dialogue_modules=modules, idle_timeout_s=args.idle_timeout,
                       log_level=args.log_level, call_resource=args.call_resource)
    config = GatewayConfig(calls=calls, pool_size=args.pool_size, actor_timeout_s=args.actor_timeout,
                           max_body_bytes=args.max_body, lang=args.lang, fetch_audio=args.fetch_audio,
                           base_path=args.base_path.rstrip("/"), document_hooks=hooks,
                           recordings=DirectoryStorage(args.recordings), max_recording_bytes=args.max_recording_bytes)
    log.info("serving dialogues %s on http://%s:%d%s/dialogues/<name>", ", ".join(registered()), args.host,
             args.port, config.base_path)
    web.run_app(create_app(config), host=args.host, port=args.port, print=None, access_log=None)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``rayvr`` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        serve(args)
    elif args.command == "purge":
        purge(args)
    else:  # pragma: no cover - argparse rejects unknown commands
        sys.exit(2)
