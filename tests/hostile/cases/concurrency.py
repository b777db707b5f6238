"""Two runs into one --output: exactly one exits 2 (the directory is locked), the other 0, and
the directory's files are all from the winner (manifest seed = summary seed = its seed). Stale
files of an earlier run never sit beside new results (removed, or the run refuses)."""
import json
import time

from corpus import case, example_path, FITTED

CATEGORY = "concurrency"
TWO_ARM = example_path("two-arm-survival")
SAB = example_path("single-arm-binary")
CAR_T = "configs/studies/inati-cel-next-study.yaml"


def seeds_consistent(ctx, out):
    manifest = json.loads(ctx.path(f"{out}/manifest.json").read_text())
    summary = json.loads(ctx.path(f"{out}/summary.json").read_text())
    summary_seed = summary.get("seed", summary.get("simulation", {}).get("seed"))
    if summary_seed is None:
        summary_seed = summary.get("config", {}).get("simulation", {}).get("seed")
    return manifest.get("seed"), summary_seed


def two_runs(first, second, delay=0.05):
    def custom(ctx):
        a = ctx.popen(first)
        time.sleep(delay)
        b = ctx.popen(second)
        ra, rb = ctx.wait(a, 120), ctx.wait(b, 120)
        codes = sorted([ra.returncode, rb.returncode])
        problems = []
        if codes != [0, 2]:
            problems.append(f"exit codes {ra.returncode} and {rb.returncode}, expected one 0 and one 2")
        loser = ra if ra.returncode == 2 else rb
        winner_args = first if ra.returncode == 0 else second
        if loser.returncode == 2 and len(loser.stderr.decode("utf-8", "replace").splitlines()) != 1:
            problems.append("the refused run did not say so in one line")
        if ctx.path("out/manifest.json").exists():
            manifest_seed, summary_seed = seeds_consistent(ctx, "out")
            if manifest_seed != summary_seed:
                problems.append(f"mixed files: manifest seed {manifest_seed}, summary seed {summary_seed}")
            if "-s" in winner_args and str(manifest_seed) != winner_args[winner_args.index("-s") + 1]:
                problems.append(f"files not from the run that succeeded (seed {manifest_seed})")
        else:
            problems.append("no manifest.json in the output directory")
        # the common check sees the process that succeeded; report the refused one's stderr too
        ra.stderr += rb.stderr
        return (ra if ra.returncode == 0 else rb), problems
    return custom


def stale(first, second, stale_names):
    def custom(ctx):
        done = ctx.run(first, 120)
        problems = [] if done.returncode == 0 else ["the first run failed"]
        before = {p.name: p.stat().st_mtime_ns for p in ctx.path("out").iterdir()}
        result = ctx.run(second, 120)
        if result.returncode == 0:
            problems += [f"stale {name} of the earlier run beside the new results"
                         for name in stale_names if ctx.path(f"out/{name}").exists()]
        elif result.returncode == 2:
            after = {p.name: p.stat().st_mtime_ns for p in ctx.path("out").iterdir()}
            if after != before:
                problems.append("the refused run changed the earlier run's directory")
        return result, problems
    return custom


RUN = ["run", TWO_ARM, "-r", "20000", "-o", "out", "-q"]
CASES = [
    case(f"two-runs-one-output/round-{i}", [], expect=0, copy=[TWO_ARM], timeout=120,
         custom=two_runs(RUN + ["-s", str(100 + i)], RUN + ["-s", str(200 + i)], delay=0.02 * i))
    for i in range(8)
]
CASES += [
    case("run-and-merge-one-output", [], expect=0, copy=[TWO_ARM], timeout=120,
         setup=lambda ctx: [ctx.run(["run", TWO_ARM, "-r", "4096", "-s", "9", "--shard", f"{k}/2", "-o", "sh", "-q"]) for k in (1, 2)],
         custom=two_runs(RUN + ["-s", "8"], ["merge", "sh", "-o", "out"], delay=0.1)),
    case("stale/curves-and-report", [], expect=(0, 2), copy=[SAB, CAR_T, FITTED], timeout=120,
         custom=stale(["run", CAR_T, "-r", "200", "-o", "out", "-q", "--report"], ["run", SAB, "-r", "200", "-o", "out", "-q"],
                      ["curves.csv", "report.html", "figures"])),
    case("stale/report-of-other-design", [], expect=(0, 2), copy=[SAB, TWO_ARM], timeout=120,
         custom=stale(["run", SAB, "-r", "200", "-o", "out", "-q", "--report"], ["run", TWO_ARM, "-r", "200", "-o", "out", "-q"],
                      ["report.html", "figures"])),
    case("stale/per-replicate", [], expect=(0, 2), copy=[SAB], timeout=120,
         custom=stale(["run", SAB, "-r", "200", "-o", "out", "-q", "--per-replicate"], ["run", SAB, "-r", "300", "-o", "out", "-q"],
                      ["replicates.csv"])),
    case("stale/merge-over-car-t", [], expect=(0, 2), copy=[SAB, CAR_T, FITTED], timeout=120,
         custom=lambda ctx: ([ctx.run(["run", SAB, "-r", "2048", "--shard", f"{k}/2", "-o", "sh", "-q"]) for k in (1, 2)],
                             stale(["run", CAR_T, "-r", "200", "-o", "out", "-q", "--report"], ["merge", "sh", "-o", "out"],
                                   ["curves.csv", "report.html", "figures"])(ctx))[1]),
]
