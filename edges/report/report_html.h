#pragma once
// The report page: one self-contained HTML file (styles inline, figures as data: URIs, no script,
// nothing fetched), readable offline and printable.
#include <string>
#include <vector>

#include "edges/report/report_data.h"
#include "edges/report/report_gnuplot.h"

namespace trialsim::report {

std::string report_html(const ResultsDirectory& results,
                        const std::vector<RenderedFigure>& figures);

// Every text from the results directory reaches the page through trialsim::html_escape
// (core/text_escape.h): names, metrics, paths, captions, provenance, in cells and attributes.
std::string base64(const std::string& bytes);

}  // namespace trialsim::report
