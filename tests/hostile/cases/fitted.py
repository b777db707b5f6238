"""Fitted-model files named by a config (model.fitted), and model overrides: impossible values
are a located exit 2 from `validate` and `run` alike, never a runtime exit 1 or a silly result
(issue 12 item 4: `p_extramedullary: 35` ran with exit 0 and a true ORR of -5.1)."""
import re

from corpus import FITTED, case, example_path, example_text, repo_text, replace_once

CATEGORY = "fitted"
MAINTENANCE = example_text("maintenance-after-car-t")
STUDY_PATH = "configs/studies/inati-cel-next-study.yaml"
STUDY = repo_text(STUDY_PATH)
FIT_TEXT = repo_text(FITTED)
CONFIG = "configs/examples/study.yaml"
FIRST_DRAW = re.search(r"\n    - \[([^\]]*)\]", FIT_TEXT)


def fitted(old, new):
    return replace_once(FIT_TEXT, old, new)


def point_line(name):
    """The point estimate's line of parameter `name` (its value as the committed fit wrote it)."""
    return re.search(r"\n(  " + name + r": [^\n]*)", FIT_TEXT).group(1)


def point(name, value):
    """The fitted file with the point estimate of `name` set to `value` (text)."""
    return fitted(point_line(name), "  " + name + ": " + value)


def draw_value(index, value):
    """The fitted file with value `index` of the first posterior draw replaced."""
    values = FIRST_DRAW.group(1).split(", ")
    values[index] = value
    return FIT_TEXT.replace(FIRST_DRAW.group(1), ", ".join(values), 1)


def last_draw_value(index, value):
    draws = list(re.finditer(r"\n    - \[([^\]]*)\]", FIT_TEXT))
    values = draws[-1].group(1).split(", ")
    values[index] = value
    start, end = draws[-1].span(1)
    return FIT_TEXT[:start] + ", ".join(values) + FIT_TEXT[end:]


# (id, fitted-model text) — all invalid: exit 2
BAD_FITTED = [
    ("point-probability-2", point("p_extramedullary", "2")),
    ("point-probability-negative", point("p_ph_positive", "-0.1")),
    ("point-scale-negative", point("relapse_scale", "-8.8")),
    ("point-scale-zero", point("relapse_scale", "0")),
    ("point-shape-nan", point("relapse_shape", ".nan")),
    ("point-rate-inf", point("nonrelapse_mortality_rate", ".inf")),
    ("point-missing-parameter", fitted(point_line("p_tp53") + "\n", "")),
    ("point-unknown-parameter", fitted(point_line("p_tp53"), point_line("p_tp53") + "\n  p_unicorn: 0.5")),
    ("point-duplicate-parameter", fitted(point_line("p_tp53"), point_line("p_tp53") + "\n  p_tp53: 0.5")),
    ("draw-nan", draw_value(0, ".nan")),
    ("draw-probability-2", draw_value(0, "2")),
    ("draw-scale-negative", draw_value(15, "-5.0")),
    ("draw-inf-in-last-row", last_draw_value(19, ".inf")),
    ("draw-word", draw_value(3, "abc")),
    ("draw-row-short", FIT_TEXT.replace(FIRST_DRAW.group(1), FIRST_DRAW.group(1).rsplit(", ", 1)[0], 1)),
    ("draw-unknown-column", fitted("columns: [p_extramedullary,", "columns: [p_unicorn,")),
    ("wrong-kind", fitted("kind: fitted_model", "kind: evidence")),
    ("schema-version-2", fitted("schema_version: 1", "schema_version: 2")),
    ("empty-file", ""),
    ("non-utf8", fitted("model: car_t_post_hsct", "model: car_t_post_hsct\ncomment_x: \udcff")),
]

CASES = []
for case_id, text in BAD_FITTED:
    for command in ("validate", "run"):
        args = [command, CONFIG] + (["-o", "out", "-r", "200", "-q"] if command == "run" else [])
        CASES.append(case(f"{case_id}/{command}", args, expect=2, timeout=60,
                          files={CONFIG: MAINTENANCE, FITTED: text}))
# The study with posterior draws (model.uncertainty: posterior) checks every draw too.
for case_id, text in [("posterior/draw-nan", draw_value(0, ".nan")),
                      ("posterior/draw-probability-2", last_draw_value(2, "2"))]:
    CASES.append(case(case_id, ["validate", STUDY_PATH], expect=2, files={STUDY_PATH: STUDY, FITTED: text}))

# The file named by the config
MODEL_LINE = "  fitted: ../fitted/inati-cel-post-hsct.yaml"
for case_id, target in [("missing", "../fitted/nothing.yaml"), ("directory", "../fitted"),
                        ("dev-null", "/dev/null"), ("empty-path", '""'),
                        ("escape-in-path", '"\\e[31mred.yaml"')]:
    text = replace_once(MAINTENANCE, MODEL_LINE, "  fitted: " + target)
    for command in ("validate", "run"):
        args = [command, CONFIG] + (["-o", "out", "-r", "200", "-q"] if command == "run" else [])
        CASES.append(case(f"path/{case_id}/{command}", args, expect=2, files={CONFIG: text}, copy=[FITTED]))

# Model overrides are range-checked by each parameter's unit.
OVERRIDES = [
    ("valid/proportion", "p_extramedullary: 0.35", 0),
    ("percentage-for-proportion", "p_extramedullary: 35", 2),
    ("proportion-negative", "p_ph_positive: -0.2", 2),
    ("hazard-ratio-negative", "maintenance_hazard_ratio: -1", 2),
    ("scale-zero", "relapse_scale: 0", 2),
    ("cure-fraction-above-one", "cure_fraction: 1.5", 2),
    ("rate-nan", "nonrelapse_mortality_rate: .nan", 2),
    ("unknown-parameter", "p_unicorn: 0.5", 2),
    ("string-value", "p_extramedullary: high", 2),
]
for case_id, override, expected in OVERRIDES:
    model_level = replace_once(MAINTENANCE, MODEL_LINE, MODEL_LINE + "\n  overrides: {" + override + "}")
    scenario_level = replace_once(MAINTENANCE, "overrides: {maintenance_hazard_ratio: 1.0}",
                                  "overrides: {maintenance_hazard_ratio: 1.0, " + override + "}"
                                  if not override.startswith("maintenance_hazard_ratio")
                                  else "overrides: {" + override + "}")
    for where, text in (("model", model_level), ("scenario", scenario_level)):
        CASES.append(case(f"overrides/{where}/{case_id}", ["validate", CONFIG], expect=expected,
                          files={CONFIG: text}, copy=[FITTED]))
    key, value = override.split(": ")
    CASES.append(case(f"overrides/set/{case_id}",
                      ["run", CONFIG, "-o", "out", "-r", "200", "-q", "--set", f"scenarios.0.overrides.{key}={value}"],
                      expect=expected, files={CONFIG: MAINTENANCE}, copy=[FITTED], timeout=60))
