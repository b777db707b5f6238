#include "edges/fit/fit_command.h"

#include <tbb/info.h>
#include <yaml-cpp/yaml.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "config/config_error.h"
#include "config/config_reader.h"
#include "core/output.h"
#include "core/text_escape.h"
#include "edges/cli/cli.h"
#include "edges/cli/command_line.h"
#include "edges/fit/evidence_reader.h"
#include "edges/fit/sensitivity_report.h"
#include "trialsim/version.h"

namespace po = boost::program_options;

namespace trialsim {
namespace {

// Uncensored patients per posterior draw for the sensitivity table's true 12-month OS and RFS
// (binomial MC SE <= 0.008 per draw; averaged over 1 000 draws far less).
constexpr int SENSITIVITY_TRUTH_PATIENTS = 4000;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void print_report(const car_t::FitResult& fit, double seconds) {
  if (fit.abc_draws == 0) {
    std::printf("ABC: not run (no time-to-event figures), %zu prior draws, %.1f s\n",
                fit.draws.size(), seconds);
  } else {
    std::printf(
        "ABC: %llu draws, %zu accepted (acceptance rate %.4f, tolerance: distance <= %.3f, "
        "effective sample size %.0f), %.1f s\n",
        static_cast<unsigned long long>(fit.abc_draws), fit.draws.size(), fit.abc_acceptance_rate,
        fit.abc_distance_threshold, fit.abc_effective_sample_size, seconds);
  }
  for (const auto& check : fit.point_checks) {
    std::printf("point %-13s %.4f: percentile %.1f of the draws' (median %.4f)\n",
                check.name.c_str(), check.point, check.percentile, check.draws_median);
  }
  std::printf("%-28s %-15s %9s %9s %9s %9s %9s  %s\n", "figure", "role", "reported", "point",
              "pred 2.5%", "pred 50%", "pred 97.5%", "inside");
  // A figure no replica can compute (a population the model has no covariate for) has no
  // predictive interval: "not evaluable", and it is not counted among the figures judged.
  int inside = 0, evaluable = 0;
  for (const auto& row : fit.figures) {
    const bool judged = row.replicas > 0;
    std::printf("%-28s %-15s %9.4f %9.4f %9.4f %9.4f %9.4f  %s\n", row.figure_id.c_str(),
                row.role.c_str(), row.reported, row.point_median, row.predictive_lower,
                row.predictive_median, row.predictive_upper,
                !judged      ? "not evaluable"
                : row.inside ? "yes"
                             : "NO");
    inside += row.inside ? 1 : 0;
    evaluable += judged ? 1 : 0;
  }
  std::printf("%d of %d reported figures inside their 95 %% predictive interval", inside,
              evaluable);
  if (evaluable < static_cast<int>(fit.figures.size()))
    std::printf(" (%zu not evaluable by the model)", fit.figures.size() - evaluable);
  std::printf("\n");
}

// The parameters nothing in the evidence informs: a table on stdout (with the report) and one
// warning line on stderr (always: a fit that defaults is not silent even with --quiet).
void report_defaults(const car_t::FitResult& fit, bool quiet) {
  std::vector<const car_t::ParameterSummary*> defaulted;
  for (const auto& p : fit.parameters)
    if (car_t::is_defaulted(p)) defaulted.push_back(&p);
  for (const std::string& note : fit.notes)
    std::fprintf(stderr, "trialsim: note: %s\n", terminal_safe(note).c_str());
  if (defaulted.empty()) return;
  std::string names;
  for (const auto* p : defaulted) names += (names.empty() ? "" : ", ") + p->name;
  std::fprintf(stderr,
               "trialsim: warning: %zu parameter%s not informed by the evidence, drawn from "
               "default priors (docs/default-priors.md): %s\n",
               defaulted.size(), defaulted.size() > 1 ? "s" : "", names.c_str());
  if (quiet) return;
  std::printf("defaulted parameters (no figure or assumption informs them):\n");
  std::printf("%-36s %-40s %9s %9s  %s\n", "parameter", "default prior", "mean", "sd",
              "would be informed by");
  for (const auto* p : defaulted) {
    std::string law = p->source.substr(std::string("default prior ").size());
    law = law.substr(0, law.find(" (docs/"));
    std::string informed_by;
    for (const auto& d : car_t::default_priors())
      if (d.parameter == p->name) informed_by = d.informed_by;
    std::printf("%-36s %-40s %9.4g %9.4g  %s\n", p->name.c_str(), law.c_str(), p->mean, p->sd,
                informed_by.c_str());
  }
}

// A YAML double-quoted scalar (sources carry figure ids as written in the evidence).
std::string yaml_quoted(const std::string& text) {
  std::string out = "\"";
  for (const unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\x%02x", c);
      out += escape;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

std::string fitted_model_yaml(const car_t::FitResult& fit, const std::string& evidence_file,
                              const std::string& evidence_sha256,
                              const car_t::FitSettings& settings) {
  const auto& table = car_t::parameter_table();
  std::string out =
      "# Fitted CAR-T patient model, written by `trialsim fit`. Point estimate and posterior "
      "draws;\n"
      "# see the README (\"The patient model and its calibration\") for every parameter.\n";
  out += "schema_version: 1\nkind: fitted_model\nmodel: car_t_post_hsct\n";
  out += "evidence: " + evidence_file + "\nevidence_sha256: " + evidence_sha256 + "\n";
  out += "trialsim_version: " + std::string(VERSION) + "\n";
  out += "seed: " + std::to_string(settings.seed) +
         "\nabc_draws: " + std::to_string(fit.abc_draws) +
         "\naccepted: " + std::to_string(fit.draws.size()) + "\n";
  out += "point:\n";
  for (const auto& p : table) {
    out += "  " + std::string(p.name) + ": " + format_number(fit.point.*p.member) + "   # " +
           p.unit + "\n";
  }
  // Where each parameter comes from: figure ids, an assumption (its parameter name) or a default
  // prior (docs/default-priors.md). Informational: the loader checks the names, not the text.
  out += "sources:\n";
  for (const auto& p : fit.parameters) out += "  " + p.name + ": " + yaml_quoted(p.source) + "\n";
  out += "draws:\n  columns: [";
  for (std::size_t i = 0; i < table.size(); ++i)
    out += (i ? ", " : "") + std::string(table[i].name);
  out += "]\n  values:\n";
  for (const auto& draw : fit.draws) {
    out += "    - [";
    for (std::size_t i = 0; i < table.size(); ++i)
      out += (i ? ", " : "") + format_number(draw.*table[i].member);
    out += "]\n";
  }
  return out;
}

std::string calibration_csv(const car_t::FitResult& fit) {
  std::string out =
      "kind,id,description,role,reported,point_replica_median,predictive_median,predictive_lower,"
      "predictive_upper,inside,replicas\n";
  for (const auto& row : fit.figures) {
    out += "figure," + csv_field(row.figure_id) + "," + csv_field(row.description) + "," +
           row.role + "," + format_number(row.reported) + "," + format_number(row.point_median) +
           "," + format_number(row.predictive_median) + "," + format_number(row.predictive_lower) +
           "," + format_number(row.predictive_upper) + "," +
           (row.replicas == 0 ? "not_evaluable"
            : row.inside      ? "yes"
                              : "no") +
           "," + std::to_string(row.replicas) + "\n";
  }
  // Diagnostics: the value in the `reported` column; point checks: the point's true value
  // (point_replica_median), the draws' median (predictive_median) and the percentile (replicas
  // column left empty).
  const std::pair<const char*, double> diagnostics[] = {
      {"abc_draws", static_cast<double>(fit.abc_draws)},
      {"abc_accepted", static_cast<double>(fit.draws.size())},
      {"abc_acceptance_rate", fit.abc_acceptance_rate},
      {"abc_tolerance", fit.abc_distance_threshold},
      {"abc_effective_sample_size", fit.abc_effective_sample_size}};
  for (const auto& [name, value] : diagnostics)
    out += "diagnostic," + std::string(name) + ",ABC,," + format_number(value) + ",,,,,,\n";
  for (const auto& check : fit.point_checks) {
    out += "point_check," + check.name + ",true value at the point; percentile among draws,," +
           format_number(check.percentile) + "," + format_number(check.point) + "," +
           format_number(check.draws_median) + ",,,,\n";
  }
  for (const auto& p : fit.parameters) {
    out += "parameter," + csv_field(p.name) + "," + csv_field(p.unit + "; " + p.source) + ",," +
           format_number(p.point) + ",," + format_number(p.mean) + "," + format_number(p.lower) +
           "," + format_number(p.upper) + ",,\n";
  }
  return out;
}

FittedModel load_fitted_model(const std::filesystem::path& file) {
  ConfigDocument document = ConfigDocument::load_file(file.string());
  MappingReader root(document, document.root(), "", "", nullptr);
  root.required_integer("schema_version", 1, 1);
  root.required_choice("kind", {"fitted_model"});
  root.required_choice("model", {"car_t_post_hsct"});
  for (const char* key : {"evidence", "evidence_sha256", "trialsim_version"})
    root.optional_string(key, "");
  for (const char* key : {"seed", "abc_draws", "accepted"})
    root.optional_integer(key, 0, 0, INT64_MAX);
  FittedModel model;
  model.source_file = file.string();
  MappingReader point = root.mapping("point");
  for (const auto& p : car_t::parameter_table()) {
    model.point.*p.member = point.required_number(p.name, {-1e300, 1e300, true, true});
  }
  point.finish();
  if (std::optional<MappingReader> sources = root.optional_mapping("sources")) {
    for (const auto& p : car_t::parameter_table()) sources->optional_string(p.name, "");
    sources->finish();  // an unknown parameter name is refused, located
  }
  MappingReader draws = root.mapping("draws");
  const YAML::Node columns = draws.raw("columns");
  const YAML::Node values = draws.raw("values");
  draws.finish();
  root.finish();
  if (!columns.IsSequence()) draws.fail("columns", "found no list", "a list of parameter names");
  if (!values.IsSequence()) draws.fail("values", "found no list", "a list of rows");
  std::vector<double car_t::CarTParameters::*> members;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    try {
      car_t::CarTParameters probe;
      car_t::set_parameter(probe, columns[i].Scalar(), 0.0);
    } catch (const std::invalid_argument&) {
      throw ConfigError(document.locate(columns[i], "draws.columns." + std::to_string(i)),
                        "draws.columns." + std::to_string(i),
                        "unknown parameter \"" + columns[i].Scalar() + "\"",
                        "a parameter name of the CAR-T model");
    }
    for (const auto& p : car_t::parameter_table())
      if (columns[i].Scalar() == p.name) members.push_back(p.member);
  }
  for (std::size_t r = 0; r < values.size(); ++r) {
    const YAML::Node row = values[r];
    const std::string path = "draws.values." + std::to_string(r);
    if (!row.IsSequence() || row.size() != members.size()) {
      throw ConfigError(document.locate(row, path), path,
                        "row has " + std::to_string(row.size()) + " values",
                        std::to_string(members.size()) + " values, one per column");
    }
    car_t::CarTParameters draw = model.point;
    for (std::size_t c = 0; c < members.size(); ++c) {
      double v = 0.0;
      if (!YAML::convert<double>::decode(row[c], v)) {
        throw ConfigError(document.locate(row[c], path + "." + std::to_string(c)),
                          path + "." + std::to_string(c), "found \"" + row[c].Scalar() + "\"",
                          "a number");
      }
      draw.*members[c] = v;
    }
    model.draws.push_back(draw);
  }
  return model;
}

int command_fit(const std::vector<std::string>& arguments) {
  po::options_description visible("trialsim fit EVIDENCE [options]");
  visible.add_options()("help,h", "show this help")(
      "output,o", po::value<std::string>(),
      "fitted parameter file (default results/<evidence name>-fit/fitted-model.yaml); "
      "the calibration report goes beside it as <name>.calibration.csv")(
      "seed,s", po::value<std::string>()->default_value("20240108"), "master seed")(
      "draws", po::value<std::string>()->default_value("200000"), "ABC prior draws (at most 10^8)")(
      "accepted", po::value<std::string>()->default_value("1000"),
      "ABC draws kept as the posterior sample (10 to 10^6, at most --draws)")(
      "point-replicas", po::value<std::string>()->default_value("2000"),
      "replicas of the source study at the point estimate (1 to 10^7)")(
      "threads,t", po::value<std::string>()->default_value("0"),
      "worker threads, 0 to 256; 0 = all cores. Results do not depend on it")(
      "study", po::value<std::string>(),
      "a single_arm_car_t study config: print how its assurance (and the true 12-month OS/RFS) "
      "moves under other priors for the main model choices, and write <name>.sensitivity.csv")(
      "quiet,q", "no progress and no report table");
  po::options_description all;
  all.add(visible).add_options()("evidence", po::value<std::string>());
  po::positional_options_description positional;
  positional.add("evidence", 1);
  po::variables_map values;
  try {
    po::store(po::command_line_parser(arguments).options(all).positional(positional).run(), values);
    po::notify(values);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  if (values.count("help")) {
    std::cout << visible << "\n";
    return EXIT_OK;
  }
  if (!values.count("evidence") || values["evidence"].as<std::string>().empty()) {
    throw UsageError("missing EVIDENCE: usage: trialsim fit EVIDENCE [--output FILE]");
  }
  if (values.count("output") && values["output"].as<std::string>().empty()) {
    throw UsageError("--output is empty, expected a file name");
  }
  car_t::FitSettings settings;
  settings.seed = whole_number_option(values, "seed", 0, UINT64_MAX);
  settings.abc_draws = whole_number_option(values, "draws", 10, 100'000'000);
  settings.accepted = whole_number_option(values, "accepted", 10, 1'000'000);
  settings.point_replicas = whole_number_option(values, "point-replicas", 1, 10'000'000);
  settings.threads = static_cast<unsigned>(whole_number_option(values, "threads", 0, MAX_THREADS));
  if (settings.threads == 0)
    settings.threads = static_cast<unsigned>(tbb::info::default_concurrency());
  if (settings.abc_draws < settings.accepted) {
    throw UsageError("--accepted " + std::to_string(settings.accepted) + " is more than --draws " +
                     std::to_string(settings.abc_draws) + ", expected at most the draws");
  }
  const std::string evidence_path = values["evidence"].as<std::string>();
  try {
    const std::filesystem::path evidence_file = evidence_path;
    const car_t::Evidence evidence = load_evidence(evidence_file);
    const std::filesystem::path output =
        values.count("output") ? std::filesystem::path(values["output"].as<std::string>())
                               : std::filesystem::path("results") /
                                     (evidence_file.stem().string() + "-fit") / "fitted-model.yaml";
    if (!output.has_filename() || std::filesystem::is_directory(output)) {
      throw UsageError("--output " + output.string() + ": is a directory, expected a file name");
    }
    for (std::filesystem::path p = output.parent_path(); !p.empty(); p = p.parent_path()) {
      if (std::filesystem::exists(p)) {
        if (!std::filesystem::is_directory(p)) {
          throw UsageError("--output " + output.string() + ": " + p.string() +
                           " is not a directory, expected a file name in a directory");
        }
        break;
      }
      if (p == p.parent_path()) break;
    }
    // The study is read before the fit, so a bad study fails before minutes of work.
    std::optional<SensitivityStudy> study;
    if (values.count("study")) study = load_sensitivity_study(values["study"].as<std::string>());
    const bool quiet = values.count("quiet") > 0;
    const auto start = std::chrono::steady_clock::now();
    const car_t::FitResult fit =
        car_t::fit_car_t_model(evidence, settings, [&](const std::string& stage) {
          if (!quiet) std::fprintf(stderr, "fit: %s\n", stage.c_str());
        });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::filesystem::path directory = output.has_parent_path() ? output.parent_path() : ".";
    std::filesystem::create_directories(directory);
    write_file_atomically(
        output, fitted_model_yaml(fit, evidence_file.string(), sha256_hex(read_file(evidence_file)),
                                  settings));
    const std::filesystem::path calibration =
        directory / (output.stem().string() + ".calibration.csv");
    write_file_atomically(calibration, calibration_csv(fit));
    if (!quiet) print_report(fit, seconds);
    report_defaults(fit, quiet);
    std::printf("fitted model: %s\ncalibration: %s\n", terminal_safe(output.string()).c_str(),
                terminal_safe(calibration.string()).c_str());
    if (study) {
      const SensitivityTable table =
          study_prior_sensitivity(fit, evidence, *study, settings.seed, SENSITIVITY_TRUTH_PATIENTS);
      const std::filesystem::path csv = directory / (output.stem().string() + ".sensitivity.csv");
      write_file_atomically(csv, sensitivity_csv(table));
      if (!quiet) print_sensitivity(table, *study);
      std::printf("sensitivity: %s\n", terminal_safe(csv.string()).c_str());
    }
    return EXIT_OK;
  } catch (const car_t::EvidenceFitError& e) {
    throw ConfigError({evidence_path, e.where.line, e.where.column}, e.key_path, e.problem,
                      e.expected);
  } catch (const std::invalid_argument& e) {
    throw UsageError("evidence cannot be fitted: " + std::string(e.what()));
  }
}

}  // namespace trialsim
