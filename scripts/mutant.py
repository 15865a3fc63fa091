#!/usr/bin/python3
"""scripts/mutant.py — the file work of the mutation gate (scripts/mutate.sh).

The mutant list (tests/mutants/mutants.txt) is a sequence of blocks:

    mutant: decide-unknown-region-lenient
    file: src/decide/decide.c
    rule: a purpose that needs consent somewhere needs it when the region is unknown
    tests: test_decide:test_unknown_region test_decide
    -		return true; /* unknown region: the stricter rule */
    +		return false; /* unknown region: the stricter rule */

Lines starting with '-' are the snippet (the rest of each line, exactly;
consecutive lines joined with newlines), which must occur exactly once in
the file; lines starting with '+' are its replacement (none: the snippet is
deleted). An equivalent mutant (one no test can tell from the original) has
`equivalent: WHY` and may name `check: COMMAND`, run with the mutant in
place, which must fail. Lines starting with '#' outside a block, and blank
lines, are ignored.

Commands (exit 0 unless said):
  sync SRC DST            copy every file git knows in SRC to DST (only those
                          that differ, with a fresh time so make rebuilds
                          them); remove from DST's src/ and tests/ what SRC no
                          longer has
  ids LIST [GLOB...]      the ids, in list order (those matching a glob)
  get LIST ID FIELD       one field of a mutant ("" when absent)
  lint LIST ROOT          every mutant well formed and its snippet found exactly
                          once under ROOT; prints "stale ID: why" lines, exit 1
  apply LIST ID ROOT      applies the mutant in ROOT; exit 2 when stale
"""
import fnmatch
import os
import shutil
import subprocess
import sys

FIELDS = ("mutant", "file", "rule", "tests", "equivalent", "check")


def parse(path):
    mutants, cur = [], None
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.startswith("mutant:"):
                cur = {"line": n, "minus": [], "plus": []}
                mutants.append(cur)
            if cur is None or line == "" or line.startswith("#"):
                continue
            if line[0] == "-":
                cur["minus"].append(line[1:])
            elif line[0] == "+":
                cur["plus"].append(line[1:])
            elif ":" in line and line.split(":", 1)[0] in FIELDS:
                key, value = line.split(":", 1)
                if key in cur and key != "mutant":
                    sys.exit(f"{path}:{n}: {key} given twice")
                cur[key] = value.strip()
            else:
                sys.exit(f"{path}:{n}: not a field, a '-' or a '+' line: {line!r}")
    seen = set()
    for m in mutants:
        where = f"{path}:{m['line']}"
        for key in ("mutant", "file", "rule"):
            if not m.get(key):
                sys.exit(f"{where}: mutant without {key}")
        if not m.get("tests") and not m.get("equivalent"):
            sys.exit(f"{where}: {m['mutant']}: name the tests that kill it (tests:)")
        if not m["minus"]:
            sys.exit(f"{where}: {m['mutant']}: no snippet ('-' lines)")
        if m["mutant"] in seen:
            sys.exit(f"{where}: {m['mutant']} named twice")
        seen.add(m["mutant"])
    return mutants


def find(mutants, ident):
    for m in mutants:
        if m["mutant"] == ident:
            return m
    sys.exit(f"no mutant {ident}")


def snippet(m):
    return "\n".join(m["minus"]), "\n".join(m["plus"])


def stale_reason(m, root):
    path = os.path.join(root, m["file"])
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        return f"{m['file']}: {e.strerror}"
    old, _ = snippet(m)
    count = text.count(old)
    if count == 0:
        return f"its snippet is no longer in {m['file']}"
    if count > 1:
        return f"its snippet occurs {count} times in {m['file']}"
    return None


def source_files(src):
    """What git knows in src (tracked, or new and not ignored); without git
    (an unpacked tarball), the files of the source directories."""
    try:
        out = subprocess.run(["git", "-C", src, "ls-files", "-co", "--exclude-standard", "-z"],
                             check=True, capture_output=True).stdout
        return [f for f in out.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = [f for f in os.listdir(src) if os.path.isfile(os.path.join(src, f))]
        for top in ("src", "include", "tests", "examples", "docs", "bench", "scripts", "tools"):
            for dirpath, dirs, names in os.walk(os.path.join(src, top)):
                dirs[:] = [d for d in dirs if d != "node_modules"]
                files += [os.path.relpath(os.path.join(dirpath, n), src) for n in names]
        return files


def cmd_sync(src, dst):
    files = source_files(src)
    inside = os.path.relpath(os.path.abspath(dst), os.path.abspath(src))
    if not inside.startswith(".."):  # never copy the copy into itself
        files = [f for f in files if not (f + "/").startswith(inside.split("/")[0] + "/")]
    keep = set()
    for rel in files:
        s = os.path.join(src, rel)
        if not os.path.isfile(s) or os.path.islink(s):
            continue
        keep.add(rel)
        d = os.path.join(dst, rel)
        os.makedirs(os.path.dirname(d), exist_ok=True)
        with open(s, "rb") as f:
            data = f.read()
        try:
            with open(d, "rb") as f:
                same = f.read() == data
        except OSError:
            same = False
        if not same:
            with open(d + ".tmp", "wb") as f:
                f.write(data)
            shutil.copymode(s, d + ".tmp")
            os.replace(d + ".tmp", d)
    for top in ("src", "tests", "include", "examples"):
        for dirpath, _, names in os.walk(os.path.join(dst, top)):
            for name in names:
                rel = os.path.relpath(os.path.join(dirpath, name), dst)
                if rel not in keep:
                    os.unlink(os.path.join(dst, rel))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == "sync" and len(argv) == 4:
        cmd_sync(argv[2], argv[3])
    elif cmd == "ids" and len(argv) >= 3:
        globs = argv[3:] or ["*"]
        for m in parse(argv[2]):
            if any(fnmatch.fnmatchcase(m["mutant"], g) for g in globs):
                print(m["mutant"])
    elif cmd == "get" and len(argv) == 5:
        print(find(parse(argv[2]), argv[3]).get(argv[4], ""))
    elif cmd == "lint" and len(argv) == 4:
        bad = 0
        for m in parse(argv[2]):
            why = stale_reason(m, argv[3])
            if why:
                print(f"stale {m['mutant']}: {why}")
                bad += 1
        return 1 if bad else 0
    elif cmd == "apply" and len(argv) == 5:
        m = find(parse(argv[2]), argv[3])
        why = stale_reason(m, argv[4])
        if why:
            print(why)
            return 2
        path = os.path.join(argv[4], m["file"])
        with open(path, encoding="utf-8") as f:
            text = f.read()
        old, new = snippet(m)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))
        shutil.copymode(path, path + ".tmp")
        os.replace(path + ".tmp", path)
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
