"""The command line: `python -m lmtrace.synthetic --migrations 200 --out /tmp/lm` (see `--help`).
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from .build import generate
from .spec import DEFAULT_WEIGHTS, SCENARIOS, MigrationSpec, Options, parse_offset

__all__ = ["build_parser", "main"]


def _parse_weights(text: str) -> dict[str, float]:
    w = {n: 0.0 for n in SCENARIOS}
    for part in text.split(","):
        if not part.strip():
            continue
        name, _, val = part.partition("=")
        name = name.strip()
        if name not in w:
            raise argparse.ArgumentTypeError(
                f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
        try:
            w[name] = float(val) if val else 1.0
        except ValueError:
            raise argparse.ArgumentTypeError(f"bad weight for {name}: {val!r}") from None
    if not any(v > 0 for v in w.values()):
        raise argparse.ArgumentTypeError("give at least one scenario a weight above 0")
    return w


def _ratio(text: str) -> float:
    v = float(text)
    if not 0 <= v <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a ratio in [0, 1]")
    return v


def _offset_arg(text: str) -> int:
    try:
        return parse_offset(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m lmtrace.synthetic",
        description="Write a synthetic ceilometer collector.log + zenpython.log pair of Nova "
        "live migrations, with manifest.json holding the ground truth.",
        epilog="Scenarios: " + ", ".join(SCENARIOS) + ". Example: python -m lmtrace.synthetic "
        "--size-mb 1024 --noise-ratio 0.99 --concurrency 8 --out /tmp/big",
    )
    size = p.add_mutually_exclusive_group()
    size.add_argument("--migrations", type=int, default=20, help="number of migrations (20)")
    size.add_argument("--size-mb", type=float, help="instead: write until collector.log has "
                      "about this many MiB")
    p.add_argument("--concurrency", type=int, default=1,
                   help="migrations running at the same time (1)")
    p.add_argument("--seed", type=int, default=1, help="random seed (1): same seed, same bytes")
    p.add_argument("--collector-tz", type=_offset_arg, default=480, metavar="OFFSET",
                   help="collector host's UTC offset, e.g. +08:00 (default)")
    p.add_argument("--zenpython-tz", type=_offset_arg, default=480, metavar="OFFSET",
                   help="Zenoss host's UTC offset, e.g. +01:00 (+08:00)")
    p.add_argument("--noise-ratio", type=_ratio, default=0.0, metavar="R",
                   help="fraction of lines from other loggers, < 1 (0)")
    p.add_argument("--pretty-ratio", type=_ratio, default=0.0, metavar="P",
                   help="fraction of zenpython dicts pretty-printed over many lines (0)")
    p.add_argument("--batch", type=int, default=1, metavar="B",
                   help="at most B events per record_events line (1)")
    p.add_argument("--dict-form-ratio", type=_ratio, default=0.0, metavar="R",
                   help="fraction of record_events lines in the newer list-of-dicts form (0)")
    p.add_argument("--lowercase-ratio", type=_ratio, default=0.0, metavar="R",
                   help="fraction of zenpython lines in Zenoss 6.8+ lower case (0)")
    p.add_argument("--scenarios", type=_parse_weights, default=None, metavar="NAME=W,...",
                   help="scenario weights, e.g. ok=1,stale=5,lost=1 (unlisted: 0); default "
                   + ",".join(f"{k}={v:g}" for k, v in DEFAULT_WEIGHTS.items()))
    p.add_argument("--zenpython-skew", type=float, default=0.0, metavar="SECONDS",
                   help="the Zenoss host's clock ahead (+) or behind (-) the OpenStack hosts' (0)")
    p.add_argument("--start", default="2017-01-23T05:00:00",
                   help="UTC time of the first line (2017-01-23T05:00:00)")
    p.add_argument("--out", default="out", help="output directory (./out)")
    zos = p.add_argument_group("the 3.x/4.x path (ZenPack 3.0 on): zenopenstack.log + agent.log")
    zos.add_argument("--zenopenstack", action="store_true",
                     help="write the 3.x/4.x path's logs instead (constructed from the format strings)")
    zos.add_argument("--fixed", action="store_true",
                     help="with --zenopenstack: the ZenPack maps post.dest.end, not _post.end")
    zos.add_argument("--info", action="store_true", help="with --zenopenstack: zenopenstack at INFO (debug off)")
    zos.add_argument("--trace-until", type=float, default=None, metavar="SECONDS",
                     help="with --zenopenstack: TRACE bodies only this long after --start (default: all)")
    return p


def _main_zos(args: argparse.Namespace) -> int:
    """--zenopenstack: migrations on the scenario schedule, one every 200 s."""
    from .ops import OP_SCENARIOS
    from .zos import MAPPERS_FIXED, ZosOptions, generate_zos

    rng = random.Random(args.seed)
    weights = args.scenarios or dict(DEFAULT_WEIGHTS)
    names = [n for n in SCENARIOS if weights.get(n, 0) > 0]
    if args.info or args.trace_until is not None:  # the other operations' truth needs DEBUG and TRACE
        names = [n for n in names if n not in OP_SCENARIOS]
    specs = [MigrationSpec(rng.choices(names, [weights[n] for n in names])[0], 20 + 200 * i)
             for i in range(args.migrations)]
    opts = ZosOptions(seed=args.seed, out=args.out, start=args.start, tz=args.zenpython_tz,
                      debug=not args.info, trace=(0.0, args.trace_until if args.trace_until is not None else 1e12))
    if args.fixed:
        opts.mappers = dict(MAPPERS_FIXED)
    man = generate_zos(opts, specs)
    print(f"wrote {opts.out}/zenopenstack.log, agent.log, manifest.json: "
          f"{len(man['migrations'])} migrations", file=sys.stderr)  # type: ignore[arg-type]
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.zenopenstack:
        return _main_zos(args)
    if args.noise_ratio >= 1:
        build_parser().error("--noise-ratio must be below 1")
    if args.batch < 1 or args.concurrency < 1:
        build_parser().error("--batch and --concurrency must be at least 1")
    opts = Options(
        migrations=args.migrations, concurrency=args.concurrency, seed=args.seed,
        collector_tz=args.collector_tz, zenpython_tz=args.zenpython_tz,
        noise_ratio=args.noise_ratio, pretty_ratio=args.pretty_ratio, batch=args.batch,
        size_mb=args.size_mb, dict_form_ratio=args.dict_form_ratio,
        lowercase_ratio=args.lowercase_ratio,
        scenarios=args.scenarios or dict(DEFAULT_WEIGHTS), out=args.out, start=args.start,
        zenpython_skew=args.zenpython_skew,
    )
    t = time.perf_counter()
    man = generate(opts)
    dt = time.perf_counter() - t
    files = man["files"]
    assert isinstance(files, dict)
    total = sum(f["bytes"] for f in files.values())
    print(f"wrote {opts.out}/collector.log ({files['collector.log']['bytes']:,} bytes, "
          f"{files['collector.log']['lines']:,} lines), zenpython.log "
          f"({files['zenpython.log']['bytes']:,} bytes, {files['zenpython.log']['lines']:,} "
          f"lines), manifest.json: {man['counts']['migrations']} migrations "  # type: ignore[index]
          f"in {dt:.2f} s, {total / dt / 1e6:.1f} MB/s", file=sys.stderr)
    return 0
