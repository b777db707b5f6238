#pragma once
// The design memo (issue 17, item 1): the short summary a protocol can quote, at the top of
// report.html and as memo.md beside it. Built from the results directory alone (summary.json and
// manifest.json): the title and description from the config's name and description; the design
// in one paragraph (design type, endpoint, n and allocation, accrual, analysis timing, looks and
// spending, alpha, safety rule, from the resolved config); the decision rule (design facts); the
// headline numbers per scenario with their MCSE, rounded to the MCSE's first significant digit
// (summary.json "headline"); the warnings and notes; and the per-look table of a sequential
// design (summary.json "per_look").
//
// Every text from the results (names, descriptions, scenario names) is data: escaped for HTML
// (html_escape) and for Markdown (backslash before inline markup, entities for < and &, block
// markup at the start of a line escaped,
// control characters as spaces), so a hostile scenario name renders as its characters.
#include <string>

#include "edges/report/report_data.h"

namespace trialsim::report {

struct Memo {
  std::string markdown;  // memo.md
  std::string html;      // the <section id="memo"> of report.html
};

Memo design_memo(const ResultsDirectory& results);

// `value` rounded to the first significant digit of `mcse` (at least 1 decimal and at most 6;
// 4 significant decimals, trailing zeros trimmed, when mcse is 0 or not finite), e.g.
// (0.03203, 0.0039) -> "0.032", (23.4518, 0.0397) -> "23.45", (120, 0) -> "120".
std::string rounded_to_mcse(double value, double mcse);

// Markdown-safe text (see the header comment); `at_line_start`: the text opens a line, where a
// leading #, -, +, =, > or "1." would be block markup.
std::string markdown_escape(const std::string& text, bool at_line_start = true);

}  // namespace trialsim::report
