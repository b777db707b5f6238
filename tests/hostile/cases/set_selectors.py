"""`--set` list items by name (`scenarios[NAME].key`) and removal (`key=null`), issue 17 item 5:
names and paths holding payloads stay data, every bad selector is a one-line exit 2. Through
`validate` and `run`."""
from corpus import CANARY, INJECTION_PAYLOADS, case, example_path

CATEGORY = "set-selectors"
CONFIG = example_path("single-arm-binary")  # scenarios response-0.60 and response-0.80

# (id, assignments, expected exit code)
TABLE = [
    ("valid/by-name", ["scenarios[response-0.80].response_rate=0.75"], 0),
    ("valid/by-bracketed-index", ["scenarios[1].response_rate=0.75"], 0),
    ("valid/remove-optional", ["design.alpha=null"], 0),
    ("valid/remove-scenario-by-name", ["scenarios[response-0.60]=~"], 0),
    ("valid/rename-then-address", ["scenarios[1].name=$(touch " + CANARY + ")",
                                   "scenarios[$(touch " + CANARY + ")].response_rate=0.7"], 0),
    ("path/unknown-name", ["scenarios[response-0.8].response_rate=0.5"], 2),
    ("path/unclosed-bracket", ["scenarios[response-0.80.response_rate=0.5"], 2),
    ("path/empty-brackets", ["scenarios[].response_rate=0.5"], 2),
    ("path/brackets-on-mapping", ["design[0].alpha=0.1"], 2),
    ("path/dot-before-bracket", ["scenarios.[0].response_rate=0.5"], 2),
    ("path/huge-bracketed-index", ["scenarios[99999999999999999999].response_rate=0.5"], 2),
    ("path/remove-absent-key", ["design.alpah=null"], 2),
    ("path/remove-under-absent-block", ["simulation.precision.target=null"], 2),
    ("path/remove-required", ["design.sample_size=null"], 2),
    ("path/remove-every-scenario", ["scenarios=null"], 2),
    ("path/escape-in-name", ["scenarios[\x1b[31mx].response_rate=0.5"], 2),
    ("path/newline-in-name", ["scenarios[a\nb].response_rate=0.5"], 2),
    ("path/non-utf8-name", ["scenarios[a\udcffb].response_rate=0.5"], 2),
    ("path/long-name", ["scenarios[" + "x" * 100000 + "].response_rate=0.5"], 2),
]
for name, payload in INJECTION_PAYLOADS.items():
    if "\0" in payload:  # a command-line argument cannot hold a NUL byte
        continue
    TABLE.append((f"path/payload-name-{name}", [f"scenarios[{payload}].response_rate=0.5"], 2))

CASES = []
for case_id, assignments, expected in TABLE:
    for command in ("validate", "run"):
        args = [command, CONFIG]
        for assignment in assignments:
            args += ["--set", assignment]
        if command == "run":
            args += ["-o", "out", "-q", "-r", "200"]
        CASES.append(case(f"{case_id}/{command}", args, expect=expected, copy=[CONFIG]))
