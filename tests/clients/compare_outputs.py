"""Compares what the real az printed (against vnetlab serve) with what `vnetlab az` printed
(embedded) for one command: exit code, stdout (JSON compared structurally when it parses),
and the first stderr line of an error (`ERROR: (Code) …`). Values that differ between any two
runs are masked: etags, GUIDs, timestamps, random DNS labels.

Usage: compare_outputs.py REAL_DIR EMBEDDED_DIR   (each holds out, err, rc)
Prints the differences; exits 1 if there are any.
"""
import json
import re
import sys

GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# The random label of a VNet's internal DNS suffix (`<26 chars>.bx.internal.cloudapp.net`).
DNS_LABEL = re.compile(r"\b[0-9a-z]{26}(?=\.[a-z]{2}\.internal\.cloudapp\.net)")
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")


def mask(s):
    return DNS_LABEL.sub("<label>", TIME.sub("<time>", GUID.sub("<guid>", s)))


def normalize(v, key=""):
    if isinstance(v, dict):
        return {k: normalize(x, k) for k, x in v.items() if k.lower() != "etag"}
    if isinstance(v, list):
        return [normalize(x) for x in v]
    if isinstance(v, str):
        return mask(v)
    return v


def diff(a, b, path="$"):
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in b:
                out.append(f"{path}.{k}: only in real az ({json.dumps(a[k])[:80]})")
            elif k not in a:
                out.append(f"{path}.{k}: only in vnetlab az ({json.dumps(b[k])[:80]})")
            else:
                out += diff(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = [] if len(a) == len(b) else [f"{path}: {len(a)} items vs {len(b)}"]
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, f"{path}[{i}]")
        return out
    return [] if a == b else [f"{path}: {json.dumps(a)[:80]} (real az) vs {json.dumps(b)[:80]} (vnetlab az)"]


def read(d, name):
    with open(f"{d}/{name}", encoding="utf-8", errors="replace") as f:
        return f.read()


def main(real, emb):
    problems = []
    rc_a, rc_b = read(real, "rc").strip(), read(emb, "rc").strip()
    if rc_a != rc_b:
        problems.append(f"exit code {rc_a} (real az) vs {rc_b} (vnetlab az)")
    out_a, out_b = read(real, "out"), read(emb, "out")
    try:
        ja, jb = json.loads(out_a), json.loads(out_b)
        problems += diff(normalize(ja), normalize(jb))
    except ValueError:
        if mask(out_a) != mask(out_b):
            problems.append(f"stdout differs:\n--- real az\n{out_a[:1500]}\n--- vnetlab az\n{out_b[:1500]}")
    first_error = lambda s: next((l for l in s.splitlines() if l.startswith("ERROR:")), "")
    ea, eb = first_error(read(real, "err")), first_error(read(emb, "err"))
    if mask(ea) != mask(eb):
        problems.append(f"error line differs:\n  real az:    {ea[:300]}\n  vnetlab az: {eb[:300]}")
    for p in problems:
        print("    " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
