"""Summarise py-spy `--format raw` (collapsed stacks) files: the frames that hold the most
samples, inclusive (anywhere on the stack) and exclusive (at the top).

    python -m bench.profile_summary DIR/registrations-registration.txt [--top 25]
    python -m bench.profile_summary FILE --match forum_   # inclusive, our own frames only
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def summarise(path: Path, top: int, match: str = "") -> str:
    inclusive: Counter[str] = Counter()
    exclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += n
        exclusive[frames[-1]] += n
    out = [f"{path.name}: {total} samples", "inclusive:"]
    chosen = [(f, n) for f, n in inclusive.most_common() if match in f][:top]
    out += [f"  {100 * n / total:5.1f}%  {f}" for f, n in chosen]
    out += ["exclusive:"]
    out += [f"  {100 * n / total:5.1f}%  {f}" for f, n in exclusive.most_common(top)]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", default="", help="inclusive: only frames containing this")
    args = parser.parse_args()
    for path in args.files:
        print(summarise(path, args.top, args.match))


if __name__ == "__main__":
    main()
