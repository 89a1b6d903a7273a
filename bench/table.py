"""Print bench/results.json as the Markdown tables of docs/PERFORMANCE.md.

    .venv/bin/python -m bench.table [bench/results.json]"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .run import RESULTS


def table(entry: dict) -> str:
    scale = entry["scale"]
    lines = [f"{entry['database']}, {scale['cases']:,} cases, {entry['date']}, wrk -t{entry['wrk']['threads']} "
             f"-c{entry['wrk']['connections']} -d{entry['wrk']['duration_s']:g}s, commit {entry['versions']['commit']}",
             "", "| scenario | req/s | ratio to hello-world | p50 ms | p95 ms | p99 ms | note |", "|---|---|---|---|---|---|---|"]
    for name, f in entry["scenarios"].items():
        note = []
        if "page" in f:
            note.append(f"page {f['page']}, {f['filter']}")
        if "ratio_to_aes_gcm" in f:
            note.append(f"{f['ratio_to_aes_gcm']:.2%} of raw AES-GCM ({f['aes_gcm_ops_s']:,.0f}/s, {f['bytes'] // 1024} KiB)")
        if f.get("non_2xx"):
            note.append(f"{f['non_2xx']} not 2xx")
        lines.append(f"| {name} | {f['req_s']:,.1f} | {f['ratio']:.3f} | {f['p50_ms']:.0f} | {f['p95_ms']:.0f} | "
                     f"{f['p99_ms']:.0f} | {'; '.join(note)} |")
    rates = ", ".join(f"{k.removesuffix('_per_s').replace('_', ' ')} {v:,.0f}/s" for k, v in entry["loading"].items())
    return "\n".join(lines + ["", f"Loading: {rates}."])


def main(argv=None) -> int:
    path = Path((argv or sys.argv[1:] or [RESULTS])[0])
    for entry in json.loads(path.read_text()).values():
        print(table(entry), end="\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
