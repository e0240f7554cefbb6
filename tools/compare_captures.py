#!/usr/bin/env python3
"""Replays the captured real-az scenarios (../shared/az-cli-captures/scen*.sh) through vnetlab
and reports where vnetlab's output differs from what the real az 2.91 printed.

Volatile values (GUIDs, etags, IP addresses, MACs, timestamps) are masked before comparing;
JSON outputs are compared structurally (keys and non-volatile values). The captures were made
against a mock ARM server, so some differences are the mock's, not vnetlab's (see
az-cli-surface.md); read the report with that in mind.

Usage: tools/compare_captures.py [--bin target/debug/vnetlab] [--scen 1,2] [--verbose]
"""
import argparse, json, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAPS = os.path.join(ROOT, "..", "shared", "az-cli-captures")
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
IP = re.compile(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")
MAC = re.compile(r"\b[0-9A-F]{2}(-[0-9A-F]{2}){5}\b")
HEX32 = re.compile(r"\b[0-9a-f]{32}\b")


def mask(s):
    s = GUID.sub("<guid>", s)
    s = MAC.sub("<mac>", s)
    s = HEX32.sub("<hex>", s)
    return s


def mask_ip(s):
    return IP.sub("<ip>", s)


def diff_json(a, b, path=""):
    """Differences between capture `a` and vnetlab `b`, ignoring masked values."""
    out = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in b:
                out.append(f"{path}.{k}: missing in vnetlab")
            elif k not in a:
                out.append(f"{path}.{k}: extra in vnetlab ({json.dumps(b[k])[:60]})")
            else:
                out += diff_json(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: list length {len(a)} vs {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff_json(x, y, f"{path}[{i}]")
    elif isinstance(a, str) and isinstance(b, str):
        if mask_ip(mask(a)) != mask_ip(mask(b)) and not path.endswith("etag"):
            out.append(f"{path}: {a[:70]!r} vs {b[:70]!r}")
    elif a != b and type(a) is not type(b):
        out.append(f"{path}: {json.dumps(a)[:50]} vs {json.dumps(b)[:50]}")
    elif a != b:
        out.append(f"{path}: {json.dumps(a)[:50]} vs {json.dumps(b)[:50]}")
    return out


def replay(n, binary):
    work = tempfile.mkdtemp(prefix=f"vnetlab-caps{n}-")
    os.makedirs(os.path.join(work, "bin"))
    os.makedirs(os.path.join(work, "out"))
    os.symlink(os.path.abspath(binary), os.path.join(work, "bin", "az"))
    script = os.path.join(CAPS, f"scen{n}.sh")
    wrapper = f"""
run() {{ name=$1; shift; "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" </dev/null; echo $? >"$OUT/$name.rc"; }}
curlput() {{ :; }}
curl() {{ :; }}
source "{script}"
"""
    env = dict(os.environ, PATH=os.path.join(work, "bin") + ":" + os.environ["PATH"],
               VNETLAB_STATE=os.path.join(work, "state.db"), VNETLAB_DETERMINISTIC="1",
               OUT=os.path.join(work, "out"))
    subprocess.run(["bash", "-c", wrapper], env=env, cwd=work)
    return os.path.join(work, "out")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "vnetlab"))
    ap.add_argument("--scen", default="1,2,3,4,5,6")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    totals = {"same": 0, "differs": 0}
    for n in args.scen.split(","):
        out = replay(n, args.bin)
        capdir = os.path.join(CAPS, f"s{n}")
        for f in sorted(os.listdir(capdir)):
            if not f.endswith(".cmd"):
                continue
            stem = f[:-4]
            name = stem.split("_", 1)[1]
            read = lambda d, x: open(os.path.join(d, x)).read() if os.path.exists(os.path.join(d, x)) else ""
            cap_out, cap_err, cap_rc = read(capdir, stem + ".out"), read(capdir, stem + ".err"), read(capdir, stem + ".rc").strip()
            our_out, our_err, our_rc = read(out, name + ".out"), read(out, name + ".err"), read(out, name + ".rc").strip()
            problems = []
            if cap_rc != our_rc:
                problems.append(f"exit code {cap_rc} vs {our_rc}")
            try:
                problems += diff_json(json.loads(cap_out), json.loads(our_out)) if cap_out.strip() else []
            except ValueError:
                if mask_ip(mask(cap_out)).split("\n")[:1] != mask_ip(mask(our_out)).split("\n")[:1]:
                    problems.append("first line: %r vs %r" % (cap_out.split("\n")[0][:100], our_out.split("\n")[0][:100]))
            cap_errs = [l for l in cap_err.splitlines() if l.startswith("ERROR")]
            our_errs = [l for l in our_err.splitlines() if l.startswith("ERROR")]
            if [mask(l)[:60] for l in cap_errs] != [mask(l)[:60] for l in our_errs]:
                problems.append(f"stderr: {cap_errs[:1]} vs {our_errs[:1]}")
            key = "differs" if problems else "same"
            totals[key] += 1
            if problems:
                print(f"s{n}/{stem}: {read(capdir, f).strip()[:110]}")
                for p in problems[: (40 if args.verbose else 6)]:
                    print(f"    {p}")
    print(f"{totals['same']} same, {totals['differs']} differ")


if __name__ == "__main__":
    sys.exit(main())
