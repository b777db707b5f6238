"""The command line: bad numbers, unknown options, missing files, bad --output, bad --shard, the
options of fit, analyze, merge and report."""
import os

from corpus import CAPS, case, example_path, EVIDENCE

CATEGORY = "cli"
SAB = example_path("single-arm-binary")
TWO_ARM = example_path("two-arm-survival")
CSV = "tests/fixtures/survival/n10.data.csv"
RUN = ["run", SAB, "-o", "out", "-q"]
FAST_FIT = ["--point-replicas", "50"]


def run(*extra, expect=2, **kwargs):
    return dict(args=[*RUN, *extra], expect=expect, copy=[SAB], **kwargs)


def make_fifo(ctx):
    os.mkfifo(ctx.path("fifo.yaml"))


def make_file(name):
    def setup(ctx):
        ctx.path(name).write_text("not a directory\n")
    return setup


blocks_of_2048 = 2048 // CAPS["replicates_per_block"]
TABLE = [
    # controls
    ("valid/run", run("-r", "200", expect=0)),
    ("valid/threads-at-cap", run("-r", "200", "--threads", str(CAPS["threads_max"]), expect=0)),
    ("valid/resume-without-checkpoint", run("-r", "200", "--resume", expect=0)),
    ("valid/shard-count-equals-blocks", run("-r", "2048", "--shard", f"1/{blocks_of_2048}", expect=0)),
    ("valid/version", dict(args=["--version"], expect=0)),
    ("valid/help", dict(args=["--help"], expect=0)),
    ("valid/run-help", dict(args=["run", "--help"], expect=0)),
    # numbers
    ("replicates/negative", run("--replicates", "-1")),
    ("replicates/zero", run("-r", "0")),
    ("replicates/word", run("-r", "abc")),
    ("replicates/exponent", run("-r", "1e3")),
    ("replicates/fraction", run("-r", "100.5")),
    ("replicates/huge", run("-r", "99999999999999999999999")),
    ("replicates/empty", run("-r", "")),
    ("threads/negative", run("-r", "200", "--threads", "-1")),
    ("threads/huge", run("-r", "200", "--threads", "100000")),
    ("threads/above-cap", run("-r", "200", "--threads", str(CAPS["threads_max"] + 1))),
    ("threads/2-pow-64", run("-r", "200", "--threads", "18446744073709551616")),
    ("threads/word", run("-r", "200", "--threads", "many")),
    ("checkpoint-interval/negative", run("-r", "200", "--checkpoint-interval", "-1")),
    ("checkpoint-interval/word", run("-r", "200", "--checkpoint-interval", "soon")),
    ("checkpoint-interval/huge", run("-r", "200", "--checkpoint-interval", "1e400")),
    ("seed/negative", run("-r", "200", "--seed", "-1")),
    ("seed/2-pow-64", run("-r", "200", "--seed", "18446744073709551616")),
    ("seed/word", run("-r", "200", "--seed", "lucky")),
    # options and commands
    ("options/unknown", run("--bogus")),
    ("options/unknown-short", run("-Z")),
    ("options/exact-two-arm", dict(args=["run", TWO_ARM, "-o", "out", "--exact", "-q"], copy=[TWO_ARM])),
    ("options/per-replicate-shard", run("-r", "2048", "--shard", "1/2", "--per-replicate")),
    ("options/quiet-and-progress", run("-r", "200", "--progress")),
    ("command/unknown", dict(args=["frobnicate"])),
    ("command/none", dict(args=[])),
    ("command/run-without-config", dict(args=["run"])),
    ("command/two-configs", dict(args=["validate", SAB, SAB], copy=[SAB])),
    ("command/option-injection", dict(args=["run", "--output=$(touch @CANARY@)", SAB, "-r", "0"], copy=[SAB])),
    # files
    ("files/missing-config-validate", dict(args=["validate", "nope.yaml"])),
    ("files/missing-config-run", dict(args=["run", "nope.yaml", "-o", "out"])),
    ("files/directory-as-config", dict(args=["validate", "configs"], copy=[SAB])),
    ("files/dev-null-config", dict(args=["validate", "/dev/null"])),
    ("files/fifo-config", dict(args=["validate", "fifo.yaml"], setup=make_fifo, timeout=10)),
    ("files/empty-name", dict(args=["validate", ""])),
    ("files/newline-name", dict(args=["validate", "a\n!touch @CANARY@.yaml"])),
    ("files/escape-name", dict(args=["validate", "\x1b[31mred.yaml"])),
    # --output
    ("output/empty", run("-r", "200", "--output", "")),
    ("output/under-a-file", dict(args=["run", SAB, "-o", "afile/out", "-r", "200", "-q"], copy=[SAB], setup=make_file("afile"))),
    ("output/is-a-file", dict(args=["run", SAB, "-o", "afile", "-r", "200", "-q"], copy=[SAB], setup=make_file("afile"))),
    ("output/name-too-long", run("-r", "200", "--output", "a" * 300)),
    ("output/in-proc", run("-r", "200", "--output", "/proc/trialsim-out")),
    ("output/validate-checks-too", dict(args=["validate", SAB, "--set", "name=ok"], copy=[SAB], expect=0)),
    # --shard
    ("shard/zero-index", run("-r", "4096", "--shard", "0/4")),
    ("shard/index-above-count", run("-r", "4096", "--shard", "5/4")),
    ("shard/zero-count", run("-r", "4096", "--shard", "1/0")),
    ("shard/words", run("-r", "4096", "--shard", "a/b")),
    ("shard/three-parts", run("-r", "4096", "--shard", "1/4/2")),
    ("shard/negative", run("-r", "4096", "--shard", "-1/4")),
    ("shard/huge-count", run("-r", "4096", "--shard", "1/99999999999999999999")),
    ("shard/more-than-blocks", run("-r", "2048", "--shard", f"1/{blocks_of_2048 + 1}")),
    ("shard/slurm-without-env", run("-r", "4096", "--shard", "slurm")),
    ("shard/slurm-bad-env", run("-r", "4096", "--shard", "slurm", env={"SLURM_ARRAY_TASK_ID": "abc", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "4"})),
    ("shard/slurm-id-beyond-count", run("-r", "4096", "--shard", "slurm", env={"SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "4"})),
    ("shard/slurm-huge-count", run("-r", "4096", "--shard", "slurm", env={"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "99999999999999999999"})),
    # other commands (fit with few draws, so that a fit that is not refused stays short)
    ("fit/draws-negative", dict(args=["fit", EVIDENCE, *FAST_FIT, "--draws", "-1", "-o", "fit/m.yaml", "-q"], copy=[EVIDENCE])),
    ("fit/accepted-zero", dict(args=["fit", EVIDENCE, *FAST_FIT, "--accepted", "0", "-o", "fit/m.yaml", "-q"], copy=[EVIDENCE])),
    ("fit/accepted-above-draws", dict(args=["fit", EVIDENCE, *FAST_FIT, "--draws", "100", "--accepted", "1000", "-o", "fit/m.yaml", "-q"], copy=[EVIDENCE])),
    ("fit/threads-negative", dict(args=["fit", EVIDENCE, *FAST_FIT, "--draws", "2000", "--accepted", "100", "--threads", "-1", "-o", "fit/m.yaml", "-q"], copy=[EVIDENCE])),
    ("fit/output-empty", dict(args=["fit", EVIDENCE, *FAST_FIT, "--draws", "2000", "--accepted", "100", "--output", "", "-q"], copy=[EVIDENCE])),
    ("fit/missing-evidence", dict(args=["fit", "nope.yaml", "-o", "fit/m.yaml"])),
    ("analyze/level-above-one", dict(args=["analyze", CSV, "--level", "1.5"], copy=[CSV])),
    ("analyze/landmarks-words", dict(args=["analyze", CSV, "--landmarks", "a,b"], copy=[CSV])),
    ("analyze/landmarks-empty", dict(args=["analyze", CSV, "--landmarks", ""], copy=[CSV])),
    ("analyze/landmarks-nan", dict(args=["analyze", CSV, "--landmarks", "nan"], copy=[CSV])),
    ("analyze/conf-type-bogus", dict(args=["analyze", CSV, "--conf-type", "bogus"], copy=[CSV])),
    ("analyze/tau-negative", dict(args=["analyze", CSV, "--tau", "-1"], copy=[CSV])),
    ("analyze/tau-inf", dict(args=["analyze", CSV, "--tau", "inf"], copy=[CSV])),
    ("merge/no-shards", dict(args=["merge", "-o", "out"])),
    ("merge/missing-path", dict(args=["merge", "nope", "-o", "out"])),
    ("merge/not-a-shard", dict(args=["merge", SAB, "-o", "out"], copy=[SAB])),
    ("report/no-directory", dict(args=["report"])),
    ("report/two-directories", dict(args=["report", "a", "b"])),
]

CASES = [case(case_id, **spec) for case_id, spec in TABLE]
