"""`--set key.path=value`: bad paths, bad values, injection payloads in values. Through
`validate` and `run`."""
from corpus import CANARY, case, example_path

CATEGORY = "set"
CONFIG = example_path("single-arm-binary")

# (id, assignment, expected exit code)
TABLE = [
    ("valid/alpha", "design.alpha=0.05", 0),
    ("valid/description-with-payload", "description=$(touch " + CANARY + ") `touch " + CANARY + "`", 0),
    ("valid/list-value", "design.intervals=[wilson]", 0),
    ("path/unknown-key", "design.nonexistent=1", 2),
    ("path/index-beyond-list", "scenarios.9.response_rate=0.5", 2),
    ("path/negative-index", "scenarios.-1.response_rate=0.5", 2),
    ("path/word-index", "scenarios.x.response_rate=0.5", 2),
    ("path/huge-index", "scenarios.99999999999999999999.response_rate=0.5", 2),
    ("path/into-scalar", "design.sample_size.x=1", 2),
    ("path/empty-path", "=5", 2),
    ("path/trailing-dot", "design.=5", 2),
    ("path/leading-dot", ".design=5", 2),
    ("path/double-dot", "design..alpha=0.1", 2),
    ("path/no-equals", "design.alpha", 2),
    ("path/newline-in-path", "design.al\npha=0.1", 2),
    ("path/escape-in-path", "design.\x1b[31malpha=0.1", 2),
    ("path/non-utf8-path", "design.\udcffalpha=0.1", 2),
    ("value/out-of-range", "design.alpha=1.5", 2),
    ("value/unclosed-flow", "design.alpha=[", 2),
    ("value/nan", "design.alpha=.nan", 2),
    ("value/str-tag", "design.sample_size=!!str 40", 2),
    ("value/map-for-number", "design.alpha={a: 1}", 2),
    ("value/second-document", "design.sample_size=40\n---\n41", 2),
    ("value/duplicate-keys", "scenarios.0={name: a, name: b, response_rate: 0.5}", 2),
    ("value/non-utf8", "scenarios.0.name=a\udcffb", 2),
    ("value/replicates-negative", "simulation.replicates=-1", 2),
    ("value/seed-huge", "simulation.seed=18446744073709551616", 2),
    ("value/bomb", "design.intervals=[&a [wilson, wilson, wilson, wilson], &b [*a, *a, *a, *a], &c [*b, *b, *b, *b]]", 2),
    ("value/name-injection", "name=$(touch " + CANARY + ")", 2),
    ("value/name-newline-bang", "name=x\n!touch " + CANARY, 2),
    ("value/name-traversal", "name=../escaped", 2),
]

CASES = []
for case_id, assignment, expected in TABLE:
    for command in ("validate", "run"):
        args = [command, CONFIG, "--set", assignment]
        if command == "run":  # -r would override simulation.replicates
            args += ["-o", "out", "-q"] + ([] if "replicates" in assignment else ["-r", "200"])
        CASES.append(case(f"{case_id}/{command}", args, expect=expected, copy=[CONFIG]))
# --set with nothing after it
CASES.append(case("missing-argument", ["validate", CONFIG, "--set"], copy=[CONFIG]))
