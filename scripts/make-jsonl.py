#!/usr/bin/env python3
"""Writes the prose and code of a data/text folder as JSON Lines, 2,000-character documents, files in path order:
the corpus of `make bench-spark` (and the same documents ShardPipelineBenchmark builds)."""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1])
out = sys.stdout
for folder in ("prose", "code"):
    for f in sorted((root / folder).iterdir()):
        text = f.read_text(encoding="utf-8")
        for i in range(0, len(text), 2000):
            out.write(json.dumps({"text": text[i:i + 2000]}, ensure_ascii=False) + "\n")
