"""Signals: SIGTERM/SIGINT during a run stops it with exit 75 and a checkpoint (and no result
files), or — when it arrives after the last replicate — the run finishes normally; `--resume`
then gives the same oc.csv as an uninterrupted run. A SIGTERM during a grid or search leaves
nothing behind (no output directory, no .staging-*); after SIGKILL a new run cleans up."""
import signal
import time

from corpus import case, example_path

CATEGORY = "signals"
TWO_ARM = example_path("two-arm-survival")
SAB = example_path("single-arm-binary")
SEARCH = example_path("survival-power-curve")
RESULT_FILES = ("oc.csv", "summary.json", "manifest.json")


def stop(ctx, args, delay, sig=signal.SIGTERM, repeat=1):
    process = ctx.popen(args)
    time.sleep(delay)
    for _ in range(repeat):
        process.send_signal(sig)
        time.sleep(0.01)
    return ctx.wait(process, 120)


def stopped_or_finished(ctx, result, out, checkpoint="checkpoint.trialsim-checkpoint"):
    """Exit 75: a checkpoint and no result file. Exit 0: every result file, no checkpoint."""
    problems = []
    directory = ctx.path(out)
    if result.returncode == 75:
        if not (directory / checkpoint).is_file():
            problems.append("exit 75 without a checkpoint")
        problems += [f"exit 75 but {name} was written" for name in RESULT_FILES if (directory / name).exists()]
    elif result.returncode == 0:
        problems += [f"exit 0 but {name} is missing" for name in RESULT_FILES if not (directory / name).is_file()]
        if (directory / checkpoint).exists():
            problems.append("exit 0 but the checkpoint was not deleted")
    return problems


def term_then_resume(sig):
    def custom(ctx):
        args = ["run", TWO_ARM, "-r", "40000", "-o", "out", "-q", "--checkpoint-interval", "0"]
        result = stop(ctx, args, 0.6, sig)
        problems = stopped_or_finished(ctx, result, "out")
        if result.returncode == 75:
            resumed = ctx.run(args + ["--resume"], 120)
            if resumed.returncode != 0:
                problems.append(f"--resume exited {resumed.returncode}")
            reference = ctx.run(["run", TWO_ARM, "-r", "40000", "-o", "reference", "-q"], 120)
            if ctx.path("out/oc.csv").read_bytes() != ctx.path("reference/oc.csv").read_bytes():
                problems.append("oc.csv after --resume differs from the uninterrupted run")
            if reference.returncode != 0:
                problems.append("reference run failed")
        return result, problems
    return custom


def term_shard(ctx):
    result = stop(ctx, ["run", TWO_ARM, "-r", "40960", "--shard", "1/2", "-o", "sh", "-q",
                        "--checkpoint-interval", "0"], 0.5)
    problems = []
    if result.returncode == 75:
        if not ctx.path("sh/shard-0001-of-0002.trialsim-checkpoint").is_file():
            problems.append("exit 75 without the shard's checkpoint")
        if ctx.path("sh/shard-0001-of-0002.trialsim").exists():
            problems.append("exit 75 but the shard file was written")
    return result, problems


def term_grid(config, delay):
    def custom(ctx):
        result = stop(ctx, ["run", config, "-r", "20000", "-o", "out", "-q"], delay)
        problems = []
        if result.returncode != 0 and ctx.path("out").exists():
            problems.append("a stopped grid/search left its output directory")
        return result, problems
    return custom


def term_at(delay):
    def custom(ctx):
        result = stop(ctx, ["run", SAB, "-r", "8192", "-o", "out", "-q", "--checkpoint-interval", "0"], delay)
        problems = stopped_or_finished(ctx, result, "out")
        if result.returncode == -signal.SIGTERM and ctx.path("out").exists():
            problems.append("killed by SIGTERM (before its handler was set?) but left its output directory")
        return result, problems
    return custom


def kill_then_rerun(ctx):
    process = ctx.popen(["run", TWO_ARM, "-r", "40000", "-o", "out", "-q", "--checkpoint-interval", "0"])
    time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    ctx.wait(process, 60)
    result = ctx.run(["run", TWO_ARM, "-r", "2000", "-o", "out", "-q"], 120)
    return result, stopped_or_finished(ctx, result, "out")


CASES = [
    case("term-during-run-then-resume", [], expect=(75, 0), copy=[TWO_ARM], custom=term_then_resume(signal.SIGTERM), timeout=120),
    case("int-during-run-then-resume", [], expect=(75, 0), copy=[TWO_ARM], custom=term_then_resume(signal.SIGINT), timeout=120),
    case("term-twice", [], expect=(75, 0), copy=[SAB], custom=lambda ctx: (lambda r: (r, stopped_or_finished(ctx, r, "out")))(
        stop(ctx, ["run", SAB, "-r", "200000", "-o", "out", "-q", "--checkpoint-interval", "0"], 0.2, repeat=2))),
    case("term-during-shard", [], expect=(75, 0), copy=[TWO_ARM], custom=term_shard, timeout=120),
    case("term-during-search", [], expect=75, copy=[SEARCH], custom=term_grid(SEARCH, 0.5), timeout=120),
    case("term-during-search-early", [], expect=75, copy=[SEARCH], custom=term_grid(SEARCH, 0.05), timeout=120),
    case("kill-then-rerun-cleans-up", [], expect=0, copy=[TWO_ARM], custom=kill_then_rerun, timeout=120),
]
# SIGTERM at spread-out moments of a short run: either outcome, each complete.
for delay in (0.02, 0.05, 0.08, 0.11, 0.15, 0.2, 0.3, 0.5):
    # A signal before the handler is installed (start-up) kills the process: fine if it wrote nothing.
    CASES.append(case(f"term-at-{int(delay * 1000)}ms", [], expect=(75, 0, -signal.SIGTERM), copy=[SAB],
                      custom=term_at(delay)))
