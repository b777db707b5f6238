"""Config files: bad YAML, duplicate keys, second documents, non-UTF-8, tags, unknown keys, wrong
types, out-of-range and non-finite numbers, huge numbers, YAML bombs, deep nesting, a 50 MB
file, caps. Each through `validate` and `run` (exit 2, nothing written), plus valid controls."""
import re

from corpus import CAPS, config_cases, example_text, replace_once

CATEGORY = "config"
SAB = example_text("single-arm-binary")
TWO_ARM = example_text("two-arm-survival")
SEARCH = example_text("sample-size-search")
SURVIVAL_CURVE = example_text("survival-power-curve")
# A mutated survival-power-curve.yaml on which the config fuzzer found a crash (stop 27).
FUZZ_FINDING = '# Power curve of the two-arm survival example over the number of events at the analysis\n# (hazard ratio 0.6), and 0he smalSt5ctypeIcElest event count reaching 79 % power.\nschema_version: 1\nname: survival-power-curve\nsimulation: {replicates: 4000, seed: 20240108}\ndesign:\n  .80\nx.:\n  - &a0 [w, w, w, w]\n  - &a1 [*a0, *a0, *a0, *a0]\n  - scheided alpha 0.025 0.60\n  - name: response-0.80\n    response_rate: 0.80\ngrid:\n : design.sample_rol_survival:\n    survival_at: {time: 12, probanalysi: 0.55}\nscenarios:\n  - {name: hr-0.6, hazard_ratio: 0.6}\nsearch:\n  parameter: design.anscenariosalysis.events\n  from: 40\n  to: 160\n  step: 20\n  target: {scenario: hr-0.6, analysis: logrank, metric: rejection_probability, at_least: 0.80}\n'


def desc(value):
    """SAB with its description replaced by `value` (YAML text)."""
    return re.sub(r"description: >-\n(  .*\n)+", lambda _: f"description: {value}\n", SAB, count=1)


def sab(old, new):
    return replace_once(SAB, old, new)


def two_arm(old, new):
    return replace_once(TWO_ARM, old, new)


def bomb(levels=9, width=10, leaf="wilson"):
    """Billion laughs: anchors a0..a<levels-1>, each a list of `width` aliases of the previous."""
    lines = [f"  - &a0 [{', '.join([leaf] * width)}]"]
    for i in range(1, levels):
        lines.append(f"  - &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


# (id, config text, expected exit code[, config_cases options]) — "run" and "validate" each.
TABLE = [
    # valid controls: the checks must be able to pass
    ("valid/example", SAB, 0),
    ("valid/leading-document-marker", "---\n" + SAB, 0),
    ("valid/document-end-marker", SAB + "...\n", 0),
    ("valid/utf8-bom", "\ufeff" + SAB, 0),
    ("valid/unicode-description", desc("\"Zürich — 東京\""), 0),
    # bad YAML
    ("yaml/unclosed-flow-list", sab("[clopper_pearson, wilson, jeffreys]", "[clopper_pearson, wilson, jeffreys"), 2),
    ("yaml/tab-indentation", sab("  sample_size: 40", "\tsample_size: 40"), 2),
    ("yaml/unterminated-quote", sab("name: single-arm-binary", 'name: "single-arm-binary'), 2),
    ("yaml/bad-indentation", sab("  sample_size: 40", "     sample_size: 40"), 2),
    ("yaml/colon-in-plain-key", sab("  sample_size: 40", "  sample_size: 40: 41"), 2),
    ("yaml/unknown-alias", sab("  sample_size: 40", "  sample_size: *nowhere"), 2),
    ("yaml/self-alias", sab("  intervals: [clopper_pearson, wilson, jeffreys]", "  intervals: &x [*x]"), 2),
    ("yaml/empty-file", "", 2),
    ("yaml/only-comment", "# nothing here\n", 2),
    ("yaml/scalar-document", "hello\n", 2),
    ("yaml/list-document", "- schema_version: 1\n", 2),
    ("yaml/null-document", "~\n", 2),
    ("yaml/directive-garbage", "%YAML 9.9\n---\n" + SAB, 2),
    # duplicate keys at every level
    ("duplicate/top-level", SAB + "name: other\n", 2),
    ("duplicate/nested", sab("  sample_size: 40", "  sample_size: 40\n  sample_size: 41"), 2),
    ("duplicate/flow-mapping", sab("simulation:\n  replicates: 10000\n  seed: 20240108", "simulation: {replicates: 100, replicates: 200}"), 2),
    ("duplicate/in-list-item", sab("    response_rate: 0.80", "    response_rate: 0.80\n    response_rate: 0.70"), 2),
    ("duplicate/quoted-and-plain", sab("name: single-arm-binary", 'name: single-arm-binary\n"name": other'), 2),
    ("duplicate/same-value", sab("  alpha: 0.025", "  alpha: 0.025\n  alpha: 0.025"), 2),
    ("duplicate/merge-key", sab("  alpha: 0.025", "  alpha: 0.025\n  <<: {alpha: 0.05}"), 2),
    # more than one document
    ("documents/second-copy", SAB + "---\n" + SAB, 2),
    ("documents/second-small", SAB + "---\nname: other\n", 2),
    ("documents/end-then-second", SAB + "...\n---\nschema_version: 1\n", 2),
    # not UTF-8
    ("encoding/latin1-description", desc("caf\udce9"), 2),
    ("encoding/invalid-byte-in-name", sab("  - name: response-0.60", "  - name: resp\udc80onse-0.60"), 2),
    ("encoding/overlong-slash", sab("name: single-arm-binary", "name: a\udcc0\udcafb"), 2),
    ("encoding/surrogate", sab("  - name: response-0.80", "  - name: r\udced\udca0\udc80"), 2),
    ("encoding/utf16-bom", "\udcff\udcfe" + SAB, 2),
    ("encoding/nul-byte", sab("  - name: response-0.80", "  - name: a\x00b"), 2),
    ("encoding/truncated-sequence", SAB + "# \udce2\udc82", 2),
    # explicit tags that change a type
    ("tags/str-where-integer", sab("sample_size: 40", "sample_size: !!str 40"), 2),
    ("tags/str-where-number", sab("null_response_rate: 0.60", "null_response_rate: !!str 0.60"), 2),
    ("tags/str-seed", sab("seed: 20240108", "seed: !!str 20240108"), 2),
    # null keys: no key path reaches them (the config fuzzer's finding of stop 27 was a grid axis
    # with an empty key, which ended in an uncaught YAML::InvalidNode)
    ("null-key/empty-grid-axis", SURVIVAL_CURVE.replace("search:", 'grid:\n  : [40, 60]\nsearch:', 1), 2),
    ("null-key/tilde-grid-axis", SURVIVAL_CURVE.replace("search:", "grid:\n  ~: [40, 60]\nsearch:", 1), 2),
    ("null-key/null-top-level", SAB + "null: 1\n", 2),
    ("null-key/empty-nested", sab("  sample_size: 40", "  sample_size: 40\n  : 41"), 2),
    ("null-key/anchored-null-alias", sab("  sample_size: 40", "  sample_size: 40\n  extra: &n ~\n  *n : 41"), 2),
    ("null-key/fuzz-finding-e3ea09bf", FUZZ_FINDING, 2),
    ("tags/int-of-quoted", sab("sample_size: 40", 'sample_size: !!int "40"'), 2),
    ("tags/local-tag", sab("sample_size: 40", "sample_size: !custom 40"), 2),
    ("tags/binary", sab("sample_size: 40", "sample_size: !!binary NDA="), 2),
    ("tags/timestamp", sab("sample_size: 40", "sample_size: !!timestamp 2024-01-01"), 2),
    ("tags/set", sab("  intervals: [clopper_pearson, wilson, jeffreys]", "  intervals: !!set {wilson: null}"), 2),
    ("tags/verbatim", sab("sample_size: 40", "sample_size: !<tag:yaml.org,2002:str> 40"), 2),
    # unknown keys
    ("unknown/top-level-typo", SAB + "nmae: x\n", 2),
    ("unknown/design-typo", sab("  sample_size: 40", "  sample_sizee: 40"), 2),
    ("unknown/scenario-key", sab("    response_rate: 0.80", "    response_rate: 0.80\n    colour: red"), 2),
    ("unknown/simulation-key", sab("  seed: 20240108", "  seed: 20240108\n  replicate: 5"), 2),
    ("unknown/empty-key", SAB + '"": 1\n', 2),
    ("unknown/integer-key", SAB + "1: 2\n", 2),
    ("unknown/complex-key", SAB + "? [a, b]\n: c\n", 2),
    ("unknown/escape-in-key", SAB + '"na\\e[31mme": 1\n', 2),
    ("unknown/newline-in-key", SAB + '"a\\nb": 1\n', 2),
    ("unknown/null-key", SAB + "~: 1\n", 2),
    # wrong types
    ("type/word-for-integer", sab("sample_size: 40", "sample_size: forty"), 2),
    ("type/fraction-for-integer", sab("sample_size: 40", "sample_size: 40.5"), 2),
    ("type/list-for-integer", sab("sample_size: 40", "sample_size: [40]"), 2),
    ("type/map-for-integer", sab("sample_size: 40", "sample_size: {n: 40}"), 2),
    ("type/quoted-number", sab("sample_size: 40", 'sample_size: "40"'), 2),
    ("type/bool-for-integer", sab("sample_size: 40", "sample_size: true"), 2),
    ("type/yes-for-number", sab("alpha: 0.025", "alpha: yes"), 2),
    ("type/scalar-for-list", sab("intervals: [clopper_pearson, wilson, jeffreys]", "intervals: wilson"), 2),
    ("type/unknown-interval", sab("intervals: [clopper_pearson, wilson, jeffreys]", "intervals: [wald]"), 2),
    ("type/map-for-scenarios", sab("scenarios:\n  - name: response-0.60\n    response_rate: 0.60\n  - name: response-0.80\n    response_rate: 0.80", "scenarios: {name: x, response_rate: 0.6}"), 2),
    ("type/empty-scenarios", sab("scenarios:\n  - name: response-0.60\n    response_rate: 0.60\n  - name: response-0.80\n    response_rate: 0.80", "scenarios: []"), 2),
    ("type/duplicate-scenario-names", sab("name: response-0.80", "name: response-0.60"), 2),
    ("type/schema-version-2", sab("schema_version: 1", "schema_version: 2"), 2),
    ("type/schema-version-quoted", sab("schema_version: 1", 'schema_version: "1"'), 2),
    ("type/unknown-design", sab("type: single_arm_binary", "type: three_arm_magic"), 2),
    ("type/list-for-name", sab("name: single-arm-binary", "name: [a]"), 2),
    ("type/map-for-description", desc("{a: 1}"), 2),
    ("type/hex-probability", sab("null_response_rate: 0.60", "null_response_rate: 0x10"), 2),
    ("type/octal-sample-size", sab("sample_size: 40", "sample_size: 0o777777777"), 2),
    ("type/seed-negative", sab("seed: 20240108", "seed: -1"), 2),
    ("type/seed-fraction", sab("seed: 20240108", "seed: 1.5"), 2),
    ("type/replicates-zero", sab("replicates: 10000", "replicates: 0"), 2, {"run_args": ("-q",)}),
    ("type/replicates-negative", sab("replicates: 10000", "replicates: -5"), 2, {"run_args": ("-q",)}),
    ("type/replicates-float", sab("replicates: 10000", "replicates: 1e10"), 2, {"run_args": ("-q",)}),
    ("type/mode-unknown", sab("  seed: 20240108", "  seed: 20240108\n  mode: quantum"), 2),
    # out of range
    ("range/p0-above-one", sab("null_response_rate: 0.60", "null_response_rate: 1.5"), 2),
    ("range/p0-zero", sab("null_response_rate: 0.60", "null_response_rate: 0"), 2),
    ("range/p0-one", sab("null_response_rate: 0.60", "null_response_rate: 1"), 2),
    ("range/p0-negative", sab("null_response_rate: 0.60", "null_response_rate: -0.1"), 2),
    ("range/alpha-zero", sab("alpha: 0.025", "alpha: 0"), 2),
    ("range/alpha-one", sab("alpha: 0.025", "alpha: 1"), 2),
    ("range/sample-size-zero", sab("sample_size: 40", "sample_size: 0"), 2),
    ("range/sample-size-above-cap", sab("sample_size: 40", "sample_size: 100001"), 2),
    ("range/response-rate-above-one", sab("response_rate: 0.80", "response_rate: 1.01"), 2),
    ("range/response-rate-negative", sab("response_rate: 0.80", "response_rate: -0.01"), 2),
    ("range/confidence-one", sab("confidence_level: 0.95", "confidence_level: 1"), 2),
    ("range/hazard-ratio-zero", two_arm("hazard_ratio: 0.6", "hazard_ratio: 0"), 2),
    ("range/hazard-ratio-negative", two_arm("hazard_ratio: 0.6", "hazard_ratio: -0.6"), 2),
    ("range/events-above-patients", two_arm("events: 60", "events: 121"), 2),
    ("range/landmarks-decreasing", two_arm("  alpha: 0.025", "  alpha: 0.025\n  landmarks: [12, 6]"), 2),
    ("range/accrual-zero", two_arm("duration: 18", "duration: 0"), 2),
    # non-finite
    ("nonfinite/p0-nan", sab("null_response_rate: 0.60", "null_response_rate: .nan"), 2),
    ("nonfinite/p0-NaN", sab("null_response_rate: 0.60", "null_response_rate: .NaN"), 2),
    ("nonfinite/p0-inf", sab("null_response_rate: 0.60", "null_response_rate: .inf"), 2),
    ("nonfinite/p0-minus-inf", sab("null_response_rate: 0.60", "null_response_rate: -.inf"), 2),
    ("nonfinite/response-rate-nan", sab("response_rate: 0.80", "response_rate: .nan"), 2),
    ("nonfinite/alpha-inf", sab("alpha: 0.025", "alpha: .Inf"), 2),
    ("nonfinite/hazard-ratio-inf", two_arm("hazard_ratio: 0.6", "hazard_ratio: .inf"), 2),
    ("nonfinite/hazard-ratio-nan", two_arm("hazard_ratio: 0.6", "hazard_ratio: .nan"), 2),
    # huge numbers
    ("huge/sample-size-1e400", sab("sample_size: 40", "sample_size: 1e400"), 2),
    ("huge/sample-size-20-digits", sab("sample_size: 40", "sample_size: 99999999999999999999999"), 2),
    ("huge/sample-size-2-pow-64", sab("sample_size: 40", "sample_size: 18446744073709551616"), 2),
    ("huge/seed-2-pow-64", sab("seed: 20240108", "seed: 18446744073709551616"), 2),
    ("huge/replicates-20-digits", sab("replicates: 10000", "replicates: 99999999999999999999"), 2, {"run_args": ("-q",)}),
    ("huge/probability-1e400", sab("response_rate: 0.80", "response_rate: 1e400"), 2),
    ("huge/events-2-pow-63", two_arm("events: 60", "events: 9223372036854775808"), 2),
    # YAML bombs and nesting
    ("bomb/laughs-top-level", SAB + "x-anchors:\n" + bomb(), 2),
    ("bomb/laughs-in-intervals", sab("  intervals: [clopper_pearson, wilson, jeffreys]", "  intervals:\n" + bomb().replace("  - ", "    - ")), 2),
    ("bomb/laughs-in-scenarios", sab("scenarios:\n", "scenarios:\n" + bomb(leaf="{name: a, response_rate: 0.5}")), 2),
    ("bomb/aliased-scenario", sab("scenarios:\n  - name: response-0.60", "scenarios:\n  - &s {name: dup, response_rate: 0.6}\n" + "  - *s\n" * 50 + "  - name: response-0.60"), 2),
    ("nesting/deep-flow-lists", SAB + "description_x: " + "[" * 100000 + "]" * 100000 + "\n", 2),
    ("nesting/deep-flow-maps", SAB + "x: " + "{a: " * 50000 + "1" + "}" * 50000 + "\n", 2),
    ("nesting/deep-block-maps", SAB + "x:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(3000)) + " " * 3001 + "b: 1\n", 2),
    ("nesting/long-scalar-key", SAB + "k" * 1_000_000 + ": 1\n", 2),
    # caps
    ("caps/valid/scenarios-at-cap", sab("scenarios:\n", "scenarios:\n" + "".join(f"  - {{name: s{i}, response_rate: 0.5}}\n" for i in range(CAPS["scenarios_max"] - 2))), 0),
    ("caps/valid/grid-cells-at-cap", SAB + "grid:\n  design.sample_size: [" + ", ".join(str(10 + i) for i in range(100)) + "]\n  design.null_response_rate: [" + ", ".join(f"{0.1 + i * 0.0001:.4f}" for i in range(CAPS["grid_cells_max"] // 100)) + "]\n", 0, {"commands": ("validate",)}),
    ("caps/scenarios-over-cap", sab("scenarios:\n", "scenarios:\n" + "".join(f"  - {{name: s{i}, response_rate: 0.5}}\n" for i in range(CAPS["scenarios_max"] + 1))), 2),
    ("caps/grid-cells-over-cap", SAB + "grid:\n  design.sample_size: [" + ", ".join(str(10 + i) for i in range(101)) + "]\n  design.null_response_rate: [" + ", ".join(f"{0.1 + i * 0.0001:.4f}" for i in range(CAPS["grid_cells_max"] // 100)) + "]\n", 2, {"timeout": 10}),
    ("grid/unknown-path", SAB + "grid:\n  design.sample_sise: [30, 40]\n", 2),
    ("grid/bad-value", SAB + "grid:\n  design.sample_size: [30, -1]\n", 2),
    ("grid/empty-axis", SAB + "grid:\n  design.sample_size: []\n", 2),
    ("grid/path-into-scalar", SAB + "grid:\n  design.sample_size.x: [1, 2]\n", 2),
    ("grid/index-beyond-list", SAB + "grid:\n  scenarios.7.response_rate: [0.1, 0.2]\n", 2),
    ("search/unknown-metric", replace_once(SEARCH, "metric: rejection_probability", "metric: no_such_metric"), 2),
    ("search/unknown-scenario", replace_once(SEARCH, "scenario: ", "scenario: nobody-"), 2),
    ("search/step-zero", replace_once(SEARCH, "to: 70", "to: 70\n  step: 0"), 2),
    ("search/from-above-to", replace_once(SEARCH, "from: 30", "from: 90"), 2),
    ("precision/unknown-metric", sab("  seed: 20240108", "  seed: 20240108\n  precision: {scenario: response-0.80, analysis: exact_binomial_test, metric: nothing, target_mcse: 0.01}"), 2),
    ("comparisons/valid/two-scenarios", SAB + "comparisons:\n  - {metric: rejection_probability, first: {scenario: response-0.80, analysis: exact_binomial_test}, second: {scenario: response-0.60, analysis: exact_binomial_test}}\n", 0),
    ("comparisons/unknown-scenario", SAB + "comparisons:\n  - {metric: rejection_probability, first: {scenario: nobody, analysis: exact_binomial_test}, second: {scenario: response-0.60, analysis: exact_binomial_test}}\n", 2),
    ("comparisons/conditional-metric", SAB + "comparisons:\n  - {metric: mean_width, first: {scenario: response-0.80, analysis: wilson}, second: {scenario: response-0.60, analysis: wilson}}\n", 2),
    ("comparisons/same-row", SAB + "comparisons:\n  - {metric: rejection_probability, first: {scenario: response-0.80, analysis: exact_binomial_test}, second: {scenario: response-0.80, analysis: exact_binomial_test}}\n", 2),
    ("comparisons/not-a-list", SAB + "comparisons: {metric: rejection_probability}\n", 2),
    ("comparisons/over-cap", SAB + "comparisons:\n" + "  - {metric: rejection_probability, first: {scenario: response-0.80, analysis: exact_binomial_test}, second: {scenario: response-0.60, analysis: exact_binomial_test}}\n" * 51, 2),
    ("comparisons/name-too-long", SAB + "comparisons:\n  - {name: " + "n" * 201 + ", metric: rejection_probability, first: {scenario: response-0.80, analysis: exact_binomial_test}, second: {scenario: response-0.60, analysis: exact_binomial_test}}\n", 2),
    ("precision/target-zero", sab("  seed: 20240108", "  seed: 20240108\n  precision: {scenario: response-0.80, analysis: exact_binomial_test, metric: rejection_probability, target_mcse: 0}"), 2),
]

CASES = []
for case_id, text, expected, *options in TABLE:
    CASES += config_cases(case_id, text, expect=expected, **(options[0] if options else {}))

# One 50 MB file (comments, then an unknown key at the end): refused, within the timeout. Only
# through `validate`: reading it is the cost being tested, and it is the same reader in `run`.
CASES += config_cases("big/50MB-then-unknown-key",
                      lambda: SAB + ("#" + "x" * 99 + "\n") * 500_000 + "unknown_at_the_end: 1\n",
                      commands=("validate",), timeout=90)
