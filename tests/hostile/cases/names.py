"""The top-level `name` (used in paths): only [A-Za-z0-9._-], no leading dot, at most
CAPS["name_max_chars"] characters, else exit 2. Through the config file and through --set."""
from corpus import CANARY, CAPS, case, config_cases, example_text, replace_once, yaml_double_quoted

CATEGORY = "names"
SAB = example_text("single-arm-binary")
LIMIT = CAPS["name_max_chars"]

# (id, name, expected exit code)
TABLE = [
    ("valid/charset", "A.b_c-9", 0),
    ("valid/at-limit", "n" * LIMIT, 0),
    ("inner-dots", "a..b", 2),  # `..` anywhere is refused (issue 12, item 1)
    ("over-limit", "n" * (LIMIT + 1), 2),
    ("empty", "", 2),
    ("dot", ".", 2),
    ("dot-dot", "..", 2),
    ("leading-dot", ".hidden", 2),
    ("traversal", "../escaped", 2),
    ("absolute", "/tmp/escaped", 2),
    ("slash", "a/b", 2),
    ("backslash", "a\\b", 2),
    ("space", "a b", 2),
    ("non-ascii", "café", 2),
    ("newline-bang", "x\n!touch " + CANARY, 2),
    ("dollar-paren", "$(touch " + CANARY + ")", 2),
    ("backticks", "`touch " + CANARY + "`", 2),
    ("ansi", "\x1b[31mred", 2),
    ("nul", "a\x00b", 2),
    ("quote", 'a"b', 2),
    ("semicolon", "a;touch " + CANARY, 2),
    ("tilde", "~root", 2),
]

CASES = []
for case_id, name, expected in TABLE:
    text = replace_once(SAB, "name: single-arm-binary", "name: " + yaml_double_quoted(name))
    # Through the file: validate, and run into the default directory results/<name>.
    CASES += config_cases(f"file/{case_id}", text, expect=expected, commands=("validate",))
    CASES.append(case(f"file/{case_id}/run-default-output",
                      ["run", "configs/examples/study.yaml", "-r", "200", "-q"], expect=expected,
                      files={"configs/examples/study.yaml": text}))
    if "\x00" not in name:  # argv cannot carry NUL
        CASES.append(case(f"set/{case_id}", ["validate", "configs/examples/study.yaml", "--set",
                                            "name=" + yaml_double_quoted(name)],
                          expect=expected, files={"configs/examples/study.yaml": SAB}))
