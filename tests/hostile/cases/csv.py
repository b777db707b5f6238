"""CSV for `trialsim analyze`: every bad input is a located exit 2 with nothing on stdout."""
from corpus import case

CATEGORY = "csv"
FIXTURES = "tests/fixtures/analyze"
GOOD = "time,status,arm\n1,1,0\n2,0,1\n3,1,1\n4,1,0\n5,0,0\n6,1,1\n"

FIXTURE_TABLE = [
    ("n10-reordered", 0), ("arm-not-binary", 2), ("empty", 2), ("field-count", 2),
    ("header-only", 2), ("no-status", 2), ("status-not-binary", 2), ("stratum-not-integer", 2),
    ("time-infinite", 2), ("time-negative", 2), ("time-not-number", 2), ("unknown-column", 2),
]

# (id, file content, expected exit code)
TABLE = [
    ("valid/crlf", GOOD.replace("\n", "\r\n"), 0),
    ("valid/quoted-header", '"time","status","arm"\n1,1,0\n2,0,1\n3,1,1\n', 0),
    ("valid/negative-zero-time", "time,status\n-0,1\n1,0\n", 0),
    ("nul-byte", "time,status\n1,1\n2\x00,0\n", 2),
    ("non-utf8", "time,status\n1,1\n2,0\xff\n".encode("latin-1"), 2),
    ("utf16", GOOD.encode("utf-16"), 2),
    ("escape-in-header", "time,status,\x1b[31mred\n1,1,0\n", 2),
    ("newline-in-quoted-field", 'time,status\n"1\n!touch @CANARY@",1\n', 2),
    ("unbalanced-quote", 'time,status\n"1,1\n2,0\n', 2),
    ("duplicate-column", "time,status,time\n1,1,2\n", 2),
    ("empty-column-name", "time,status,\n1,1,\n", 2),
    ("time-nan", "time,status\nnan,1\n2,0\n", 2),
    ("time-1e400", "time,status\n1e400,1\n2,0\n", 2),
    ("time-hex", "time,status\n0x10,1\n2,0\n", 2),
    ("time-trailing-garbage", "time,status\n1.5abc,1\n2,0\n", 2),
    ("time-empty", "time,status\n,1\n2,0\n", 2),
    ("status-two", "time,status\n1,2\n2,0\n", 2),
    ("status-huge", "time,status\n1,99999999999999999999\n2,0\n", 2),
    ("arm-negative", "time,status,arm\n1,1,-1\n2,0,1\n", 2),
    ("stratum-huge", "time,status,stratum\n1,1,99999999999999999999\n2,0,1\n", 2),
    ("stratum-fraction", "time,status,stratum\n1,1,1.5\n2,0,1\n", 2),
    ("too-many-fields", "time,status\n1,1,1\n", 2),
    ("too-few-fields", "time,status,arm\n1,1\n", 2),
    ("only-time", "time\n1\n2\n", 2),
    ("long-field", "time,status\n" + "1" * 2_000_000 + ",1\n", 2),
    ("many-columns", ",".join(f"c{i}" for i in range(100_000)) + "\n", 2),
    ("ansi-in-value", "time,status\n\x1b[31m1,1\n", 2),
    ("formula-injection", "time,status\n=cmd|' /C calc'!A0,1\n", 2),
]

CASES = [case(f"fixture/{name}", ["analyze", f"{FIXTURES}/{name}.csv"], expect=expected,
              copy=[f"{FIXTURES}/{name}.csv"]) for name, expected in FIXTURE_TABLE]
CASES += [case(case_id, ["analyze", "data.csv"], expect=expected, files={"data.csv": content})
          for case_id, content, expected in TABLE]
CASES.append(case("missing-file", ["analyze", "nope.csv"]))
CASES.append(case("directory", ["analyze", "."]))
CASES.append(case("dev-zero", ["analyze", "/dev/zero"], timeout=10))
