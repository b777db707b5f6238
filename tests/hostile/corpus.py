"""Shared definitions of the hostile-input corpus: the caps it expects, the canary payloads, and
the helpers the case files (tests/hostile/cases/*.py) use to describe a case as data.

A case is a dict (see `case()`): the command line, the files it needs in a fresh working
directory, the expected exit code, and optional `setup` / `check` / `custom` hooks. The runner
(tests/hostile/run) applies the common checks to every case: exit code, the one-line message of
an exit 2, no command executed (canary), nothing left behind.
"""
from __future__ import annotations

import json
import os
import re
import struct
import hashlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# The resource caps the corpus expects (issue 12, item 5). Change them here only: the cases
# build their at-the-cap / over-the-cap inputs from these numbers.
CAPS = {
    "name_max_chars": 100,      # top-level `name`: [A-Za-z0-9._-], no leading dot
    "grid_cells_max": 10000,    # combinations of a grid
    "scenarios_max": 1000,      # scenarios of one config
    "replicates_per_block": 1024,  # shard count <= ceil(replicates / this)
    "threads_max": 256,         # --threads above this (or negative) is refused
}

# The canary: every injection payload tries to create a file of this name (relative to the
# working directory, or in /tmp). The runner substitutes a name unique to the corpus run.
CANARY = "@CANARY@"

# Payloads that must stay data wherever a name goes (gnuplot, HTML, CSV, JSON, terminal).
INJECTION_PAYLOADS = {
    "newline-bang": "x\n!touch " + CANARY + "\n#",
    "newline-bang-tmp": "x\n!touch /tmp/" + CANARY + "\n#",
    "newline-bang-cd": 'x\n!cd "$TMPDIR" && touch ' + CANARY + "\n#",
    "cr-bang": "x\r!touch " + CANARY + "\r#",
    "backslash-newline": "x\\\n!touch " + CANARY + "\n#",
    "dollar-paren": "$(touch " + CANARY + ")",
    "backticks": "`touch " + CANARY + "`",
    "gnuplot-system-dq": 'x"; system("touch ' + CANARY + '"); print "',
    "gnuplot-system-sq": "x'; system('touch " + CANARY + "'); print '",
    "gnuplot-newline-system": 'x"\nsystem("touch ' + CANARY + '")\nprint "',
    "ansi-escape": "\x1b[31mred\x1b[0m\x1b]0;title\x07",
    "html-script": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "quotes-backslashes": "a\"b'c\\d\\\\e\\n",
    "csv-breaker": 'a,b"c\nd,e',
    "nul-and-controls": "a\x00b\x01c\x7fd",
    "unicode": "Zürich — 東京 🚀 \u202eevil",
    "gnuplot-macro": "@" + "GPVAL_TERM x `touch " + CANARY + "`",
}


def yaml_double_quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar (every character survives, NUL included)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif code < 0x20 or code == 0x7F:
            out.append("\\x%02x" % code)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def repo_text(path: str) -> str:
    return (REPO / path).read_text(encoding="utf-8")


def example_path(name: str) -> str:
    return f"configs/examples/{name}.yaml"


def example_text(name: str) -> str:
    return repo_text(example_path(name))


FITTED = "configs/fitted/inati-cel-post-hsct.yaml"
EVIDENCE = "configs/evidence/inati-cel-post-hsct.yaml"


def needs_for(text) -> list:
    """Repository files a config text refers to (its fitted model)."""
    if callable(text):
        return []
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return [FITTED] if "fitted" in text else []


def case(id, args, expect=2, files=None, copy=(), setup=None, check=None, custom=None,
         timeout=30, stdout_control_free=True, env=None, note=""):
    """One corpus case.

    id       unique name, "<category>/<what>"
    args     command line after the trialsim binary (CANARY is substituted)
    expect   exit code, or a tuple of accepted exit codes
    files    {relative path: str | bytes} written into the working directory (CANARY substituted)
    copy     repository files copied to the same relative path
    setup    f(ctx) run before the command (ctx.run(...) runs trialsim); the "nothing left
             behind" snapshot is taken after it
    check    f(ctx, result) -> list of problems, after the common checks
    custom   f(ctx) -> (result, problems): replaces the single command (signals, concurrency)
    env      extra environment variables (e.g. SLURM_ARRAY_TASK_ID)
    """
    return {
        "id": id, "args": list(args), "expect": expect, "files": dict(files or {}),
        "copy": list(copy), "setup": setup, "check": check, "custom": custom,
        "timeout": timeout, "stdout_control_free": stdout_control_free, "env": dict(env or {}),
        "note": note,
    }


def config_cases(id, text, expect=2, run_args=("-r", "200", "-q"), commands=("validate", "run"),
                 name="study", extra_args=(), check=None, timeout=30):
    """The same config through `validate` and `run` (one case each): invalid input is refused
    by both, before anything is drawn or written."""
    path = f"configs/examples/{name}.yaml"
    cases = []
    for command in commands:
        args = [command, path, *extra_args]
        if command == "run":
            args += ["-o", "out", *run_args]
        cases.append(case(f"{id}/{command}", args, expect=expect, files={path: text},
                          copy=needs_for(text), check=check, timeout=timeout))
    return cases


def replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) < 1:
        raise ValueError(f"corpus definition error: {old!r} not in the base text")
    return text.replace(old, new, 1)


# ------------------------------------------------------------------ partial-results files
# Layout (core/cluster/partial_file.h): magic line, 4-byte byte-order marker, 8-byte header
# length, header JSON, nodes, then the SHA-256 (hex) of everything before it.
PARTIAL_DIGEST_HEX = 64


def split_partial(data: bytes):
    magic_end = data.index(b"\n") + 1
    length_at = magic_end + 4
    (length,) = struct.unpack("<Q", data[length_at:length_at + 8])
    header_at = length_at + 8
    header = json.loads(data[header_at:header_at + length])
    body = data[header_at + length:len(data) - PARTIAL_DIGEST_HEX]
    return data[:length_at], header, body


def join_partial(prefix: bytes, header: dict, body: bytes) -> bytes:
    header_bytes = json.dumps(header, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    out = prefix + struct.pack("<Q", len(header_bytes)) + header_bytes + body
    return out + hashlib.sha256(out).hexdigest().encode()


def forge_partial(path: Path, edit) -> None:
    """Rewrites a shard/checkpoint with `edit(header)` applied and a valid digest: a forged
    file that only the header checks can refuse."""
    prefix, header, body = split_partial(path.read_bytes())
    edit(header)
    path.write_bytes(join_partial(prefix, header, body))


def reseal_partial(path: Path, mutate_body) -> None:
    """Replaces the node bytes with `mutate_body(body)` and a valid digest."""
    prefix, header, body = split_partial(path.read_bytes())
    header_bytes = json.dumps(header, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    out = prefix + struct.pack("<Q", len(header_bytes)) + header_bytes + mutate_body(body)
    path.write_bytes(out + hashlib.sha256(out).hexdigest().encode())


def rewrite_nodes(path: Path, mutate_nodes) -> None:
    """Rewrites the node table of a partial-results file: [(first block, block count, bytes)] ->
    `mutate_nodes(table)`, with a valid digest (so only the node checks can refuse it)."""
    def body(data):
        (count,) = struct.unpack("<Q", data[:8])
        at, table = 8, []
        for _ in range(count):
            first, blocks, length = struct.unpack("<QQQ", data[at:at + 24])
            table.append((first, blocks, data[at + 24:at + 24 + length]))
            at += 24 + length
        table = mutate_nodes(table)
        out = struct.pack("<Q", len(table))
        for first, blocks, payload in table:
            out += struct.pack("<QQQ", first, blocks, len(payload)) + payload
        return out + data[at:]
    reseal_partial(path, body)


CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]")
