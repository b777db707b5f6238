"""Shards for `trialsim merge`: flipped bytes, truncation, forged headers (with a valid digest),
garbage or duplicate nodes, a node beyond the run, duplicate, missing and foreign shards. Exit 2,
nothing written (no output directory)."""
import shutil
import struct

from corpus import case, example_path, forge_partial, reseal_partial, rewrite_nodes

CATEGORY = "shards"
CONFIG = example_path("single-arm-binary")
SHARD1 = "sh/shard-0001-of-0002.trialsim"
SHARD2 = "sh/shard-0002-of-0002.trialsim"
MERGE = ["merge", "sh", "-o", "merged"]


def make_shards(ctx, directory="sh", seed="20240108", config=CONFIG):
    for index in (1, 2):
        result = ctx.run(["run", config, "-r", "4096", "-s", seed, "--shard", f"{index}/2",
                          "-o", directory, "-q"])
        if result.returncode != 0:
            raise RuntimeError("setup shard run failed: " + result.stderr.decode()[:200])


def with_shards(mutate):
    def setup(ctx):
        make_shards(ctx)
        mutate(ctx)
    return setup


def flip(offset_fraction):
    def mutate(ctx):
        path = ctx.path(SHARD1)
        data = bytearray(path.read_bytes())
        data[int(len(data) * offset_fraction)] ^= 0x5A
        path.write_bytes(bytes(data))
    return mutate


def truncate(keep):
    def mutate(ctx):
        path = ctx.path(SHARD1)
        data = path.read_bytes()
        path.write_bytes(data[:keep(len(data))])
    return mutate


def forge(edit):
    return lambda ctx: forge_partial(ctx.path(SHARD1), edit)


def set_key(key, value):
    def edit(header):
        header[key] = value
    return edit


def set_shard(key, value):
    def edit(header):
        header["shard"][key] = value
    return edit


def nodes(mutate_nodes):
    """The node table rewritten by `mutate_nodes` (corpus.rewrite_nodes), digest valid."""
    return lambda ctx: rewrite_nodes(ctx.path(SHARD1), mutate_nodes)


def foreign(seed):
    def mutate(ctx):
        make_shards(ctx, "other", seed=seed)
        shutil.copyfile(ctx.path("other/shard-0002-of-0002.trialsim"), ctx.path(SHARD2))
        shutil.rmtree(ctx.path("other"))
    return mutate


def duplicate(ctx):
    shutil.copyfile(ctx.path(SHARD1), ctx.path("sh/copy-of-shard-1.trialsim"))


def missing(ctx):
    ctx.path(SHARD2).unlink()


def other_config(ctx):
    other = "configs/examples/other.yaml"
    ctx.path(other).write_text(ctx.path(CONFIG).read_text().replace("sample_size: 40", "sample_size: 41"))
    result = ctx.run(["run", other, "-r", "4096", "--shard", "2/2", "-o", "o2", "-q"])
    if result.returncode != 0:
        raise RuntimeError("setup failed")
    shutil.copyfile(ctx.path("o2/shard-0002-of-0002.trialsim"), ctx.path(SHARD2))
    shutil.rmtree(ctx.path("o2"))


def garbage_config_text(header):
    header["config_text"] = "schema_version: [\n!touch @CANARY@\n"


TABLE = [
    ("valid/intact", lambda ctx: None, 0),
    ("flipped-byte-header", flip(0.1), 2),
    ("flipped-byte-middle", flip(0.6), 2),
    ("flipped-byte-digest", flip(0.99), 2),
    ("truncated-half", truncate(lambda n: n // 2), 2),
    ("truncated-10-bytes", truncate(lambda n: 10), 2),
    ("truncated-digest", truncate(lambda n: n - 1), 2),
    ("empty-file", truncate(lambda n: 0), 2),
    ("trailing-garbage", lambda ctx: ctx.path(SHARD1).write_bytes(ctx.path(SHARD1).read_bytes() + b"garbage"), 2),
    ("forged/seed", forge(set_key("seed", 4)), 2),
    ("forged/seed-type", forge(set_key("seed", "20240108")), 2),
    ("forged/replicates", forge(set_key("replicates", 8192)), 2),
    ("forged/replicates-negative", forge(set_key("replicates", -1)), 2),
    ("forged/replicates-huge", forge(set_key("replicates", 2 ** 64)), 2),
    ("forged/blocks-null", forge(set_key("blocks", None)), 2),
    ("forged/block-size", forge(set_key("block_size", 0)), 2),
    ("forged/config-hash", forge(set_key("config_sha256", "0" * 64)), 2),
    ("forged/config-text", forge(garbage_config_text), 2),
    ("forged/kind", forge(set_key("kind", "checkpoint")), 2),
    ("forged/format", forge(set_key("format", "something else")), 2),
    ("forged/version", forge(set_key("trialsim_version", "9.9.9")), 2),
    ("forged/header-is-list", lambda ctx: forge_partial(ctx.path(SHARD1), lambda h: (h.clear(), h.update({"0": []}))), 2),
    ("forged/shard-index", forge(set_shard("index", 3)), 2),
    ("forged/shard-index-type", forge(set_shard("index", "one")), 2),
    ("forged/shard-count", forge(set_shard("count", 3)), 2),
    ("forged/first-block-beyond", forge(set_shard("first_block", 99)), 2),
    ("nodes/garbage-bytes", nodes(lambda t: [(f, b, bytes(len(p))) for f, b, p in t]), 2),
    ("nodes/short-bytes", nodes(lambda t: [(f, b, p[:len(p) // 2]) for f, b, p in t]), 2),
    ("nodes/duplicate", nodes(lambda t: t + t), 2),
    ("nodes/beyond-run", nodes(lambda t: [(f + 100, b, p) for f, b, p in t]), 2),
    ("nodes/zero-blocks", nodes(lambda t: [(f, 0, p) for f, b, p in t]), 2),
    ("nodes/none", nodes(lambda t: []), 2),
    ("nodes/count-huge", lambda ctx: reseal_partial(ctx.path(SHARD1), lambda d: struct.pack("<Q", 2 ** 62) + d[8:]), 2),
    ("duplicate-shard", duplicate, 2),
    ("missing-shard", missing, 2),
    ("foreign-seed", foreign("7"), 2),
    ("foreign-config", other_config, 2),
]

CASES = [case(case_id, MERGE, expect=expected, copy=[CONFIG], setup=with_shards(mutate), timeout=60)
         for case_id, mutate, expected in TABLE]
CASES.append(case("same-file-twice", ["merge", SHARD1, SHARD1, SHARD2, "-o", "merged"], copy=[CONFIG],
                  setup=with_shards(lambda ctx: None)))
CASES.append(case("directory-without-shards", ["merge", "configs", "-o", "merged"], copy=[CONFIG]))
