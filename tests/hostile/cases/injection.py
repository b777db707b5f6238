"""Scenario names are free text: every payload (newlines + `!touch`, `$(...)`, backticks,
quotes, ANSI escapes, HTML, NUL) reaches gnuplot, HTML, CSV, JSON and the terminal as data.
Three routes, each with --report (or `trialsim report`): the config file, `--set
scenarios.0.name=...`, and `trialsim report` on a results directory whose files were crafted.
Expected: exit 0, no canary, the name intact in summary.json, oc.csv well-formed, the HTML
escaped, no gnuplot line that starts a shell command, nothing raw on the terminal."""
import csv
import io
import json
import re

from corpus import INJECTION_PAYLOADS, case, example_text, replace_once, yaml_double_quoted

CATEGORY = "injection"
SAB = example_text("single-arm-binary")
CONFIG = "configs/examples/study.yaml"
ORIGINAL = "response-0.60"


def output_checks(result_dir, payload_key):
    def check(ctx, result):
        payload = ctx.sub(INJECTION_PAYLOADS[payload_key])
        out = ctx.path(result_dir)
        problems = []
        html = out / "report.html"
        if not html.exists():
            return [f"{result_dir}/report.html missing"]
        html_text = html.read_bytes()
        if b"\x1b" in html_text or b"\x00" in html_text:
            problems.append("report.html holds raw ESC or NUL")
        if b"<script>alert(1)" in html_text or b"<img src=x onerror" in html_text:
            problems.append("report.html holds the payload's HTML unescaped")
        for gp in out.rglob("*.gp"):
            text = gp.read_text("utf-8", "replace")
            if re.search(r"^\s*!", text, re.M) or re.search(r"^\s*(system|shell)\b", text, re.M):
                problems.append(f"{gp.name} has a line that runs a shell command")
        try:
            summary = json.loads((out / "summary.json").read_text("utf-8"))
            if not any(payload in text for text in strings_in(summary)):
                problems.append("summary.json does not carry the scenario name intact")
        except (OSError, ValueError) as error:
            problems.append(f"summary.json unreadable: {error}")
        for name in ("oc.csv", "distributions.csv"):
            path = out / name
            if not path.exists():
                continue
            try:
                rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))
            except (csv.Error, UnicodeDecodeError) as error:
                problems.append(f"{name} is not well-formed CSV: {error}")
                continue
            if any(len(row) != len(rows[0]) for row in rows):
                problems.append(f"{name} has rows of different lengths (a name broke a row)")
            elif "\x00" not in payload and payload not in {row[0] for row in rows[1:]}:
                problems.append(f"{name} does not carry the scenario name intact")
        return problems
    return check


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_in(item)


def craft_results(payload_key):
    """Runs the example, then writes the payload as the scenario name into every result file."""
    def setup(ctx):
        result = ctx.run(["run", CONFIG, "-o", "res", "-r", "200", "-q"])
        if result.returncode != 0:
            raise RuntimeError("setup run failed: " + result.stderr.decode()[:200])
        payload = ctx.sub(INJECTION_PAYLOADS[payload_key])
        for path in ctx.path("res").iterdir():
            if path.suffix == ".json":
                data = json.loads(path.read_text("utf-8"))
                path.write_text(json.dumps(replace_in(data, payload), ensure_ascii=False), "utf-8")
            elif path.suffix == ".csv":
                rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))
                text = "".join(",".join(csv_field(payload if cell == ORIGINAL else cell) for cell in row) + "\n"
                               for row in rows)
                path.write_bytes(text.encode("utf-8"))
    return setup


def csv_field(text):
    """RFC 4180 quoting (Python's csv module leaves a lone CR unquoted with "\n" line ends)."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def replace_in(value, payload):
    if isinstance(value, str):
        return value.replace(ORIGINAL, payload)
    if isinstance(value, list):
        return [replace_in(v, payload) for v in value]
    if isinstance(value, dict):
        return {replace_in(k, payload): replace_in(v, payload) for k, v in value.items()}
    return value


CASES = []
for key, payload in INJECTION_PAYLOADS.items():
    named = replace_once(SAB, "name: " + ORIGINAL, "name: " + yaml_double_quoted(payload))
    CASES.append(case(f"config/{key}", ["run", CONFIG, "-o", "out", "-r", "200", "--report", "-q"],
                      expect=0, files={CONFIG: named}, check=output_checks("out", key), timeout=60))
    CASES.append(case(f"set/{key}", ["run", CONFIG, "-o", "out", "-r", "200", "--report", "-q",
                                     "--set", "scenarios.0.name=" + yaml_double_quoted(payload)],
                      expect=0, files={CONFIG: SAB}, check=output_checks("out", key), timeout=60))
    CASES.append(case(f"report/{key}", ["report", "res"], expect=0, files={CONFIG: SAB},
                      setup=craft_results(key), check=output_checks("res", key), timeout=60))
