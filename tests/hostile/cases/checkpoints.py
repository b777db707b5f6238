"""Checkpoints given to `run --resume`: flipped bytes, truncation, forged headers (valid
digest), garbage, duplicate or out-of-run nodes, and checkpoints of another run (seed, replicate
count, config). Exit 2, and the output directory is left exactly as it was."""
import atexit
import shutil
import signal
import struct
import tempfile
import threading
import time
from pathlib import Path

from corpus import case, example_path, forge_partial, reseal_partial, rewrite_nodes

CATEGORY = "checkpoints"
CONFIG = example_path("two-arm-survival")
CHECKPOINT = "out/checkpoint.trialsim-checkpoint"
RUN = ["run", CONFIG, "-r", "100000", "-o", "out", "-q", "--checkpoint-interval", "0"]
RESUME = RUN + ["--resume"]

_lock = threading.Lock()
_cache = {}


def stopped_checkpoint(ctx) -> bytes:
    """A real checkpoint: the run stopped by SIGTERM after about a second (made once, shared)."""
    with _lock:
        if "bytes" not in _cache:
            directory = Path(tempfile.mkdtemp(prefix="hostile-checkpoint-"))
            atexit.register(shutil.rmtree, directory, True)
            (directory / CONFIG).parent.mkdir(parents=True)
            shutil.copyfile(ctx.path(CONFIG), directory / CONFIG)
            saved_dir, ctx.dir = ctx.dir, directory
            try:
                for delay in (0.8, 0.3, 0.1):
                    process = ctx.popen(RUN)
                    time.sleep(delay)
                    process.send_signal(signal.SIGTERM)
                    result = ctx.wait(process, 120)
                    if result.returncode == 75:
                        break
                    shutil.rmtree(directory / "out", ignore_errors=True)
                else:
                    raise RuntimeError("could not stop a run to get a checkpoint")
            finally:
                ctx.dir = saved_dir
            _cache["bytes"] = (directory / CHECKPOINT).read_bytes()
        return _cache["bytes"]


def with_checkpoint(mutate):
    def setup(ctx):
        ctx.path("out").mkdir()
        ctx.path(CHECKPOINT).write_bytes(stopped_checkpoint(ctx))
        mutate(ctx)
    return setup


def flip(fraction):
    def mutate(ctx):
        data = bytearray(ctx.path(CHECKPOINT).read_bytes())
        data[int(len(data) * fraction)] ^= 0x5A
        ctx.path(CHECKPOINT).write_bytes(bytes(data))
    return mutate


def truncate(keep):
    def mutate(ctx):
        data = ctx.path(CHECKPOINT).read_bytes()
        ctx.path(CHECKPOINT).write_bytes(data[:keep(len(data))])
    return mutate


def forge(key, value):
    def edit(header):
        header[key] = value
    return lambda ctx: forge_partial(ctx.path(CHECKPOINT), edit)


def nodes(mutate_nodes):
    """The node table rewritten by `mutate_nodes` (corpus.rewrite_nodes), digest valid."""
    return lambda ctx: rewrite_nodes(ctx.path(CHECKPOINT), mutate_nodes)


def replace_with_directory(ctx):
    ctx.path(CHECKPOINT).unlink()
    ctx.path(CHECKPOINT).mkdir()


TABLE = [
    # (id, mutation, command, expected exit code)
    ("valid/resume", lambda ctx: None, RESUME, 0),
    ("flipped-byte-header", flip(0.05), RESUME, 2),
    ("flipped-byte-middle", flip(0.5), RESUME, 2),
    ("truncated-half", truncate(lambda n: n // 2), RESUME, 2),
    ("truncated-digest", truncate(lambda n: n - 3), RESUME, 2),
    ("empty-file", truncate(lambda n: 0), RESUME, 2),
    ("trailing-garbage", lambda ctx: ctx.path(CHECKPOINT).write_bytes(ctx.path(CHECKPOINT).read_bytes() + b"\0\0"), RESUME, 2),
    ("forged/seed", forge("seed", 5), RESUME, 2),
    ("forged/seed-type", forge("seed", [1]), RESUME, 2),
    ("forged/replicates", forge("replicates", 50000), RESUME, 2),
    ("forged/config-hash", forge("config_sha256", "f" * 64), RESUME, 2),
    ("forged/kind-shard", forge("kind", "shard"), RESUME, 2),
    ("forged/version", forge("trialsim_version", "0.0.1"), RESUME, 2),
    ("forged/blocks-string", forge("blocks", "many"), RESUME, 2),
    ("nodes/garbage-bytes", nodes(lambda t: [(f, b, b"\xff" * len(p)) for f, b, p in t]), RESUME, 2),
    ("nodes/duplicate", nodes(lambda t: t + t[:1]), RESUME, 2),
    ("nodes/beyond-run", nodes(lambda t: t[:-1] + [(500, t[-1][1], t[-1][2])]), RESUME, 2),
    ("nodes/overlapping", nodes(lambda t: t + [(t[0][0], 1, t[0][2])]), RESUME, 2),
    ("other-run/seed", lambda ctx: None, RESUME + ["--seed", "5"], 2),
    ("other-run/replicates", lambda ctx: None, ["run", CONFIG, "-r", "200000", "-o", "out", "-q", "--checkpoint-interval", "0", "--resume"], 2),
    ("other-run/config", lambda ctx: None, RESUME + ["--set", "design.alpha=0.05"], 2),
    ("is-a-directory", replace_with_directory, RESUME, 2),
]

CASES = [case(case_id, command, expect=expected, copy=[CONFIG], setup=with_checkpoint(mutate), timeout=90)
         for case_id, mutate, command, expected in TABLE]
