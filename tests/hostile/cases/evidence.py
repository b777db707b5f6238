"""Evidence files for `trialsim fit`: figures that cannot be true are refused, located, exit 2,
before any draw (and nothing written: no fit directory)."""
from corpus import EVIDENCE, case, repo_text, replace_once

CATEGORY = "evidence"
TEXT = repo_text(EVIDENCE)
PATH = "configs/evidence/study-evidence.yaml"
# A fit that is not refused stays short with these (the control takes a few seconds).
FIT = ["fit", PATH, "--output", "fit/fitted-model.yaml", "--draws", "2000", "--accepted", "100",
       "--point-replicas", "50", "-q"]
ORR = "value: 0.839, count: 26, denominator: 31"
OS12 = "{id: os_12m, statistic: km_landmark, endpoint: overall_survival, subgroup: all, time: 12, value: 0.645}"


def ev(old, new):
    return replace_once(TEXT, old, new)


TABLE = [
    ("valid/as-committed", TEXT, 0),
    ("count-above-denominator", ev(ORR, "value: 0.839, count: 32, denominator: 31"), 2),
    ("denominator-above-patients", ev(ORR, "value: 0.65, count: 26, denominator: 40"), 2),
    ("deaths-above-patients", ev("event: death, subgroup: all, value: 5}", "event: death, subgroup: all, value: 32}"), 2),
    ("relapses-above-responders", ev("event: relapse, subgroup: responders, value: 2}", "event: relapse, subgroup: responders, value: 27}"), 2),
    ("km-increasing-in-time", ev(OS12, OS12 + "\n  - {id: os_6m, statistic: km_landmark, endpoint: overall_survival, subgroup: all, time: 6, value: 0.5}"), 2),
    ("km-landmark-beyond-follow-up", ev("subgroup: all, time: 12, value: 0.645", "subgroup: all, time: 24, value: 0.645"), 2),
    ("km-above-one", ev("time: 12, value: 0.645", "time: 12, value: 1.2"), 2),
    ("km-nan", ev("time: 12, value: 0.645", "time: 12, value: .nan"), 2),
    ("count-negative", ev(ORR, "value: 0.839, count: -1, denominator: 31"), 2),
    ("count-fraction", ev(ORR, "value: 0.839, count: 26.5, denominator: 31"), 2),
    ("denominator-zero", ev(ORR, "value: 0.839, count: 0, denominator: 0"), 2),
    ("value-disagrees-with-count", ev(ORR, "value: 0.1, count: 26, denominator: 31"), 2),
    ("patients-zero", ev("patients: 31", "patients: 0"), 2),
    ("patients-negative", ev("patients: 31", "patients: -31"), 2),
    ("follow-up-min-above-max", ev("min: 0.85, max: 16.93", "min: 20, max: 16.93"), 2),
    ("follow-up-negative", ev("min: 0.85, max: 16.93", "min: -1, max: 16.93"), 2),
    ("duplicate-id", ev("{id: os_12m,", "{id: orr,"), 2),
    ("duplicate-key", ev("subgroup: all, time: 12, value: 0.645", "subgroup: all, time: 12, value: 0.645, value: 0.5"), 2),
    ("unknown-statistic", ev("statistic: km_landmark, endpoint: overall_survival, subgroup: all", "statistic: vibes, endpoint: overall_survival, subgroup: all"), 2),
    ("p-value-above-one", ev("value: 0.185}", "value: 1.85}"), 2),
    ("wrong-kind", ev("kind: evidence", "kind: fitted_model"), 2),
    ("non-utf8", ev("title: Real-world", "title: Real\udcffworld"), 2),
    ("second-document", TEXT + "---\nkind: evidence\n", 2),
]

CASES = [case(case_id, FIT, expect=expected, files={PATH: text}, timeout=60)
         for case_id, text, expected in TABLE]
CASES.append(case("missing-file", ["fit", "nope.yaml", "--output", "fit/m.yaml"]))
CASES.append(case("directory", ["fit", "configs", "--output", "fit/m.yaml"], files={PATH: TEXT}))
