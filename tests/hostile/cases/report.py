"""Results directories given to `trialsim report`: missing, empty, not a results directory,
malformed files, and directory names that try to break out of a gnuplot string. Invalid: exit 2,
no report.html or figures/ written. Odd but valid names: exit 0, nothing executed."""
import json
import os
import shutil

from corpus import CANARY, case, example_path

CATEGORY = "report"
CONFIG = example_path("single-arm-binary")


def results(directory="res", mutate=None):
    def setup(ctx):
        result = ctx.run(["run", CONFIG, "-o", "res", "-r", "200", "-q"])
        if result.returncode != 0:
            raise RuntimeError("setup run failed: " + result.stderr.decode()[:200])
        if directory != "res":
            os.rename(ctx.path("res"), ctx.path(ctx.sub(directory)))
        if mutate:
            mutate(ctx, ctx.path(ctx.sub(directory)))
    return setup


def write(name, content):
    def mutate(ctx, res):
        (res / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    return mutate


def remove(name):
    return lambda ctx, res: (res / name).unlink()


def edit_json(name, edit):
    def mutate(ctx, res):
        data = json.loads((res / name).read_text())
        edit(data)
        (res / name).write_text(json.dumps(data))
    return mutate


def symlink(name, target):
    def mutate(ctx, res):
        (res / name).unlink()
        os.symlink(target, res / name)
    return mutate


# A directory name cannot hold "/": the payload goes to the working directory by $TMPDIR.
CD_BANG = 'r\n!cd "$TMPDIR" && touch ' + CANARY + "\n#"
OC_HEADER = "scenario,analysis,metric,estimate,mcse,replicates\n"
TABLE = [
    # (id, directory given, setup, expected exit code)
    ("valid/results", "res", results(), 0),
    ("valid/newline-bang-directory", "res\n!touch " + CANARY + "\n#", results("res\n!touch " + CANARY + "\n#"), 0),
    ("valid/newline-bang-cd-directory", CD_BANG, results(CD_BANG), 0),
    ("valid/quote-system-directory", 'r"; system("touch ' + CANARY + '"); "', results('r"; system("touch ' + CANARY + '"); "'), 0),
    ("valid/dollar-directory", "r$(touch " + CANARY + ")", results("r$(touch " + CANARY + ")"), 0),
    ("valid/backtick-directory", "r`touch " + CANARY + "`", results("r`touch " + CANARY + "`"), 0),
    ("missing-directory", "nope", None, 2),
    ("empty-directory", "empty", lambda ctx: ctx.path("empty").mkdir(), 2),
    ("not-results-directory", "configs", None, 2),
    ("a-file", CONFIG, None, 2),
    ("missing-summary", "res", results(mutate=remove("summary.json")), 2),
    ("missing-oc", "res", results(mutate=remove("oc.csv")), 2),
    ("missing-manifest", "res", results(mutate=remove("manifest.json")), 2),
    ("summary-malformed", "res", results(mutate=write("summary.json", "{\"scenarios\": [")), 2),
    ("summary-is-list", "res", results(mutate=write("summary.json", "[1, 2, 3]")), 2),
    ("summary-empty", "res", results(mutate=write("summary.json", "")), 2),
    ("summary-non-utf8", "res", results(mutate=write("summary.json", b"{\"a\": \"\xff\"}")), 2),
    ("summary-deep-nesting", "res", results(mutate=write("summary.json", "[" * 100000 + "]" * 100000)), 2),
    ("summary-wrong-types", "res", results(mutate=edit_json("summary.json", lambda d: d.update({k: 42 for k in list(d)}))), 2),
    ("manifest-malformed", "res", results(mutate=write("manifest.json", "{")), 2),
    ("manifest-seed-string", "res", results(mutate=edit_json("manifest.json", lambda d: d.update(seed="x"))), 2),
    ("oc-empty", "res", results(mutate=write("oc.csv", "")), 2),
    ("oc-header-only", "res", results(mutate=write("oc.csv", OC_HEADER)), 2),
    ("oc-wrong-header", "res", results(mutate=write("oc.csv", "a,b,c\n1,2,3\n")), 2),
    ("oc-short-row", "res", results(mutate=lambda ctx, res: (res / "oc.csv").write_text((res / "oc.csv").read_text() + "x,y\n")), 2),
    ("oc-estimate-word", "res", results(mutate=lambda ctx, res: (res / "oc.csv").write_text((res / "oc.csv").read_text() + "response-0.60,x,y,lots,0,1\n")), 2),
    ("oc-unknown-scenario", "res", results(mutate=lambda ctx, res: (res / "oc.csv").write_text((res / "oc.csv").read_text() + "nobody,exact_binomial_test,rejection_probability,0.5,0.01,100\n")), 2),
    ("oc-non-utf8", "res", results(mutate=lambda ctx, res: (res / "oc.csv").write_bytes((res / "oc.csv").read_bytes() + b"\xff\xfe,a,b,1,1,1\n")), 2),
    ("oc-is-directory", "res", results(mutate=lambda ctx, res: ((res / "oc.csv").unlink(), (res / "oc.csv").mkdir())), 2),
    ("oc-symlink-dev-zero", "res", results(mutate=symlink("oc.csv", "/dev/zero")), 2),
    ("distributions-malformed", "res", results(mutate=write("distributions.csv", "scenario,quantity\n\"unterminated\n")), 2),
]

CASES = [case(case_id, ["report", directory], expect=expected, copy=[CONFIG], setup=setup, timeout=60)
         for case_id, directory, setup, expected in TABLE]
