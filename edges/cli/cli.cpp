#include "edges/cli/cli.h"

#include <tbb/info.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "config/config_error.h"
#include "core/output.h"
#include "core/stop_signal.h"
#include "core/text_escape.h"
#include "edges/analyze/analyze.h"
#include "edges/cli/command_line.h"
#include "edges/cluster/cluster_run.h"
#include "edges/cluster/mpi.h"
#include "edges/config/config_reference.h"
#include "edges/config/study_config.h"
#include "edges/fit/fit_command.h"
#include "edges/output/output_directory.h"
#include "edges/report/comparisons.h"
#include "edges/report/headline.h"
#include "edges/report/report.h"
#include "edges/run/grid_run.h"
#include "trialsim/version.h"

namespace po = boost::program_options;

namespace trialsim {
namespace {

constexpr const char* TOP_USAGE =
    "trialsim — Monte Carlo simulation of clinical trial designs\n\n"
    "Usage:\n"
    "  trialsim run CONFIG [options]     simulate a study and write its operating characteristics\n"
    "  trialsim validate CONFIG [--set key.path=value ...]\n"
    "                                    check a config without running it\n"
    "  trialsim analyze DATA.csv [options]\n"
    "                                    Kaplan-Meier, log-rank and Cox of an observed dataset "
    "(JSON)\n"
    "  trialsim fit EVIDENCE [--output FILE]\n"
    "                                    calibrate the CAR-T patient model to published evidence\n"
    "  trialsim report RESULTS_DIR       HTML report with figures (report.html; needs gnuplot)\n"
    "  trialsim config-schema            the config's JSON Schema (configs/trialsim.schema.json)\n"
    "  trialsim config-reference         the config's key reference (docs/config-reference.md)\n"
    "  trialsim COMMAND --help           options of a command\n"
    "  trialsim --version\n\n"
    "Exit codes: 0 success, 1 runtime failure, 2 invalid input, 75 stopped by SIGTERM/SIGINT\n"
    "(a checkpoint was written: continue with --resume).\n";

std::string utc_timestamp(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

po::variables_map parse(const std::vector<std::string>& arguments,
                        const po::options_description& options,
                        const po::positional_options_description& positional) {
  po::variables_map values;
  try {
    po::store(po::command_line_parser(arguments).options(options).positional(positional).run(),
              values);
    po::notify(values);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  return values;
}

po::options_description common_config_options() {
  po::options_description options;
  options.add_options()("config", po::value<std::string>(), "study config (YAML)")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override a config value by its key path, e.g. --set design.sample_size=50 "
      "(list items by index: scenarios.0.response_rate=0.7); repeatable");
  return options;
}

std::vector<std::string> overrides_from(const po::variables_map& values) {
  return values.count("set") ? values["set"].as<std::vector<std::string>>()
                             : std::vector<std::string>{};
}

std::string require_config(const po::variables_map& values, const char* command) {
  if (!values.count("config")) {
    throw UsageError(std::string("missing CONFIG: usage: trialsim ") + command + " CONFIG");
  }
  const std::string config = values["config"].as<std::string>();
  if (config.empty())
    throw UsageError(std::string("CONFIG is an empty path: usage: trialsim ") + command +
                     " CONFIG");
  return config;
}

void print_summary(const StudyConfig& config, const StudyResult& result,
                   const std::filesystem::path& output) {
  std::printf("%s: %s; %s\n", terminal_safe(config.name).c_str(),
              config.simulation.mode == EvaluationMode::exact ? "exact evaluation" : "simulation",
              terminal_safe(result.design_facts["decision_rule"].get<std::string>()).c_str());
  // The config's headline quantities (default: power, type I error, expected N, duration, CI
  // width), labelled; exact rows without MCSE text.
  const auto headline = headline_rows(result.rows, config.headline, result.design_facts);
  int width = 16;  // the scenario column: as wide as the longest name, up to 40
  for (const HeadlineRow& row : headline)
    width = std::max(width, std::min(40, static_cast<int>(terminal_safe(row.scenario).size())));
  for (const HeadlineRow& row : headline) {
    std::printf("  %-*s %-22s %-18s %.4f", width, terminal_safe(row.scenario).c_str(),
                row.analysis.c_str(), row.label.c_str(), row.estimate);
    if (config.simulation.mode == EvaluationMode::exact)
      std::printf("\n");
    else
      std::printf(" (MCSE %.4f)\n", row.mcse);
  }
  for (const StatisticalWarning& warning : type_i_error_warnings(result.rows, result.design_facts))
    std::printf("warning: %s\n", terminal_safe(warning.text).c_str());
  for (const std::string& line : per_look_lines(per_look_table(result.rows, result.design_facts)))
    std::printf("%s\n", terminal_safe(line).c_str());
  const bool exact = config.simulation.mode == EvaluationMode::exact;
  for (const std::string& line :
       comparison_lines(comparison_rows(config.comparisons, result, exact)))
    std::printf("%s\n", terminal_safe(line).c_str());
  if (result.design_facts.contains("naive_estimates") &&
      result.design_facts["naive_estimates"].is_string())
    std::printf("note: %s\n",
                terminal_safe(result.design_facts["naive_estimates"].get<std::string>()).c_str());
  if (!result.precision.is_null()) {
    const auto& p = result.precision;
    std::printf(
        "precision: MCSE of %s/%s/%s = %.5f (target %.5f) after %llu replicates (cap %llu)%s\n",
        terminal_safe(p["scenario"].get<std::string>()).c_str(),
        p["analysis"].get<std::string>().c_str(), p["metric"].get<std::string>().c_str(),
        p["mcse"].get<double>(), p["target_mcse"].get<double>(),
        static_cast<unsigned long long>(p["replicates"].get<std::uint64_t>()),
        static_cast<unsigned long long>(p["max_replicates"].get<std::uint64_t>()),
        p["target_reached"].get<bool>() ? "" : " — target NOT reached");
  }
  std::printf("results: %s\n", terminal_safe(output.string()).c_str());
}

// Replicates actually simulated: the configured count, or what precision mode ran.
std::uint64_t replicates_run(const StudyConfig& config, const StudyResult& result) {
  return result.precision.is_null() ? config.simulation.replicates
                                    : result.precision["replicates"].get<std::uint64_t>();
}

nlohmann::json summary_json(const StudyConfig& config, const StudyResult& result) {
  // Every scenario the rows report, in order of first appearance: the configured scenarios and
  // any a design adds (e.g. "NAME (assurance)" under posterior uncertainty).
  std::vector<std::string> names;
  for (const OcRow& row : result.rows) {
    if (std::find(names.begin(), names.end(), row.scenario) == names.end())
      names.push_back(row.scenario);
  }
  nlohmann::json scenarios = nlohmann::json::array();
  for (const std::string& name : names) {
    nlohmann::json metrics = nlohmann::json::array();
    for (std::size_t i = 0; i < result.rows.size(); ++i) {
      const OcRow& row = result.rows[i];
      if (row.scenario != name) continue;
      nlohmann::json metric = {{"analysis", row.analysis},
                               {"metric", row.metric},
                               {"estimate", row.estimate},
                               {"mcse", row.mcse},
                               {"replicates", row.replicates}};
      if (!std::isnan(result.exact_estimates[i])) metric["exact"] = result.exact_estimates[i];
      metrics.push_back(metric);
    }
    scenarios.push_back({{"name", name}, {"metrics", metrics}});
  }
  const std::uint64_t replicates = replicates_run(config, result);
  nlohmann::json summary = {{"trialsim_version", VERSION},    {"config_sha256", config.sha256()},
                            {"seed", config.simulation.seed}, {"replicates", replicates},
                            {"config", config.resolved()},    {"design", result.design_facts},
                            {"scenarios", scenarios}};
  if (!result.precision.is_null()) summary["precision"] = result.precision;
  summary["headline"] = to_json(headline_rows(result.rows, config.headline, result.design_facts));
  summary["warnings"] = to_json(type_i_error_warnings(result.rows, result.design_facts));
  const nlohmann::json looks = per_look_table(result.rows, result.design_facts);
  if (!looks.empty()) summary["per_look"] = looks;
  if (!config.comparisons.empty()) {
    summary["comparisons"] = to_json(comparison_rows(
        config.comparisons, result, config.simulation.mode == EvaluationMode::exact));
  }
  return summary;
}

// oc.csv, summary.json (identical for a run and for the merge of its shards) and manifest.json
// (how this particular run went: `run_facts` plus timings).
void write_study_outputs(const OwnedOutputDirectory& stage, const StudyConfig& config,
                         const StudyResult& result, const std::vector<std::string>& overrides,
                         const nlohmann::json& run_facts,
                         std::chrono::system_clock::time_point start,
                         std::chrono::steady_clock::time_point start_clock) {
  stage.write("oc.csv", to_oc_csv(result.rows));
  stage.write("summary.json", summary_json(config, result).dump(2) + "\n");
  for (const auto& [file_name, contents] : result.report_files) stage.write(file_name, contents);
  const double wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_clock).count();
  nlohmann::json manifest = {
      {"trialsim_version", VERSION},
      {"git_revision", GIT_REVISION},
      {"config_file", config.config_file},
      {"config_sha256", config.sha256()},
      {"overrides", overrides},
      {"seed", config.simulation.seed},
      {"replicates", replicates_run(config, result)},
      {"mode", config.simulation.mode == EvaluationMode::exact ? "exact" : "simulate"},
      {"start_time", utc_timestamp(start)},
      {"wall_time_seconds", wall_seconds},
      {"replicates_per_second",
       config.simulation.mode == EvaluationMode::exact
           ? 0.0
           : static_cast<double>(replicates_run(config, result)) / wall_seconds},
  };
  manifest.update(run_facts);
  stage.write("manifest.json", manifest.dump(2) + "\n");
}

// Which split-run options go together (exit code 2 otherwise).
void check_split_run(const StudyConfig& config, bool shard, bool resume, bool per_replicate,
                     bool grid_run) {
  const bool exact = config.simulation.mode == EvaluationMode::exact;
  if (shard && mpi::size() > 1)
    throw UsageError("--shard and mpirun split the same work: use one or the other");
  if (shard && (grid_run || exact || config.simulation.precision || per_replicate)) {
    throw UsageError(std::string("--shard needs a plain simulation; it cannot be combined with ") +
                     (grid_run                      ? "a grid or search"
                      : exact                       ? "exact mode"
                      : config.simulation.precision ? "simulation.precision"
                                                    : "--per-replicate"));
  }
  const auto between_cells = [](const ComparisonSpec& c) { return c.between_cells(); };
  if (grid_run && mpi::size() > 1 &&
      std::any_of(config.comparisons.begin(), config.comparisons.end(), between_cells)) {
    throw UsageError(
        "comparisons between grid cells keep every replicate's values in one process: run the "
        "grid without mpirun (threads still apply)");
  }
  if (resume && (grid_run || exact || per_replicate || mpi::size() > 1)) {
    throw UsageError(
        std::string("--resume continues a checkpointed simulation; checkpoints are not kept for ") +
        (grid_run        ? "grids or searches"
         : exact         ? "exact mode"
         : per_replicate ? "runs with --per-replicate"
                         : "MPI runs"));
  }
}

std::string read_config_text(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int command_validate(const std::vector<std::string>& arguments) {
  po::options_description visible("trialsim validate CONFIG [options]");
  visible.add_options()("help,h", "show this help");
  po::options_description all;
  all.add(visible).add(common_config_options());
  po::positional_options_description positional;
  positional.add("config", 1);
  const auto values = parse(arguments, all, positional);
  if (values.count("help")) {
    std::cout << visible << common_config_options() << "\n";
    return EXIT_OK;
  }
  const StudyConfig config =
      load_study_config(require_config(values, "validate"), overrides_from(values));
  const std::size_t scenarios = config.scenario_names().size();
  std::printf("%s: valid (schema_version %d, %zu scenario%s, config sha256 %s)\n",
              config.config_file.c_str(), SCHEMA_VERSION, scenarios, scenarios == 1 ? "" : "s",
              config.sha256().c_str());
  return EXIT_OK;
}

// The output directory, taken by rank 0 for the run's whole life; every rank learns whether that
// worked, so that no rank waits in a collective for one that gave up.
void take_output_directory(const std::filesystem::path& output,
                           std::optional<OwnedOutputDirectory>& owned) {
  std::string failure;
  if (mpi::rank() == 0) {
    try {
      owned.emplace(output);
    } catch (const OutputDirectoryError& e) {
      if (mpi::size() == 1) throw;
      failure = e.what();
    }
  }
  if (mpi::broadcast_from_root(failure.empty() ? 0 : 1) != 0) {
    if (mpi::rank() == 0) throw OutputDirectoryError(failure);
    throw SilentInvalidInput();
  }
}

// What a new result set keeps of the directory it replaces: shard files, which are inputs of a
// merge, not results (the default shard directory is results/<name>/shards).
bool keep_shards(const std::string& name) {
  return name == "shards" || name.rfind("shard-", 0) == 0;
}

int command_run(const std::vector<std::string>& arguments) {
  po::options_description visible("trialsim run CONFIG [options]");
  visible.add_options()("help,h", "show this help")(
      "replicates,r", po::value<std::string>(),
      "number of virtual trials (overrides simulation.replicates)")(
      "seed,s", po::value<std::string>(), "master seed, 0 to 2^64-1 (overrides simulation.seed)")(
      "threads,t", po::value<std::string>()->default_value("0"),
      ("worker threads, 0 to " + std::to_string(MAX_THREADS) +
       "; 0 = all cores. Results do not depend on it")
          .c_str())("output,o", po::value<std::string>(),
                    "output directory (default results/<config name>); one run owns it")(
      "exact",
      "compute the operating characteristics exactly instead of simulating "
      "(simulation.mode=exact)")("per-replicate",
                                 "also write replicates.csv, one row per replicate and scenario")(
      "shard", po::value<std::string>(),
      "compute only shard I of N (I/N, 1-based; or 'slurm' for the array task) "
      "into a shard file for trialsim merge (default directory results/<config name>/shards)")(
      "resume", "continue a run that was stopped, from the checkpoint in its output directory")(
      "checkpoint-interval", po::value<std::string>()->default_value("60"),
      ("seconds between checkpoints of a simulation, 0 to " +
       std::to_string(MAX_CHECKPOINT_INTERVAL) + " (0: after every wave of blocks)")
          .c_str())("report",
                    "also write the HTML report (report.html, figures/) into the output directory; "
                    "needs gnuplot")("quiet,q", "no progress line")(
      "progress", "progress line even when stderr is not a terminal");
  po::options_description all;
  all.add(visible).add(common_config_options());
  po::positional_options_description positional;
  positional.add("config", 1);
  const auto values = parse(arguments, all, positional);
  if (values.count("help")) {
    std::cout << visible << common_config_options() << "\n";
    return EXIT_OK;
  }
  if (values.count("quiet") && values.count("progress")) {
    throw UsageError("--quiet and --progress contradict each other");
  }
  const unsigned threads_option =
      static_cast<unsigned>(whole_number_option(values, "threads", 0, MAX_THREADS));
  const auto checkpoint_interval = std::chrono::seconds(
      whole_number_option(values, "checkpoint-interval", 0, MAX_CHECKPOINT_INTERVAL));
  if (values.count("output") && values["output"].as<std::string>().empty()) {
    throw UsageError("--output is empty, expected a directory name");
  }
  if (values.count("report")) check_report_tools();  // before a long run, not after
  const auto start = std::chrono::system_clock::now();
  const auto start_clock = std::chrono::steady_clock::now();

  // Command-line shortcuts are overrides like any other, applied after --set.
  std::vector<std::string> overrides = overrides_from(values);
  if (values.count("replicates")) {
    const std::uint64_t replicates = whole_number_option(values, "replicates", 1, UINT64_MAX);
    overrides.push_back("simulation.replicates=" + std::to_string(replicates));
  }
  if (values.count("seed")) {
    overrides.push_back("simulation.seed=" +
                        std::to_string(whole_number_option(values, "seed", 0, UINT64_MAX)));
  }
  if (values.count("exact")) overrides.push_back("simulation.mode=exact");
  const StudyConfig config = load_study_config(require_config(values, "run"), overrides);

  const std::filesystem::path output =
      values.count("output") ? std::filesystem::path(values["output"].as<std::string>())
                             : std::filesystem::path("results") / config.name;
  const unsigned threads = threads_option == 0
                               ? static_cast<unsigned>(tbb::info::default_concurrency())
                               : threads_option;

  RunRequest request;
  request.threads = threads;
  request.progress = values.count("quiet")      ? ProgressMode::quiet
                     : values.count("progress") ? ProgressMode::always
                                                : ProgressMode::automatic;

  // Split runs (README "Cluster runs"): MPI ranks, job-array shards, checkpoints.
  const bool grid_run = !config.grid.empty() || config.search.has_value();
  const std::optional<ShardSpec> shard =
      values.count("shard")
          ? std::optional<ShardSpec>(parse_shard(values["shard"].as<std::string>()))
          : std::nullopt;
  if (shard) check_shard_fits(*shard, config);
  const bool resume = values.count("resume") > 0;
  const bool per_replicate_file = values.count("per-replicate") > 0;
  check_split_run(config, shard.has_value(), resume, per_replicate_file, grid_run);
  if (per_replicate_file && config.simulation.mode == EvaluationMode::exact) {
    throw UsageError("--per-replicate needs simulation; it cannot be combined with exact mode");
  }
  if (mpi::size() > 1) {
    request.part_index = static_cast<std::uint64_t>(mpi::rank());
    request.part_count = static_cast<std::uint64_t>(mpi::size());
    request.exchange = mpi::all_gather;
    if (mpi::rank() != 0) request.progress = ProgressMode::quiet;
  } else {
    // SIGTERM/SIGINT stop the run in order (Checkpointing below installs the same handlers and
    // writes a checkpoint first); under MPI the job ends as a whole.
    install_stop_handlers();
    request.stop_requested = stop_requested;
  }
  const std::filesystem::path shard_directory =
      values.count("output") ? output : std::filesystem::path("results") / config.name / "shards";
  // Taken before any replicate is drawn: a second run into the same directory stops here.
  std::optional<OwnedOutputDirectory> owned;
  std::optional<ExclusiveFileLock> shard_lock;
  if (shard) {
    shard_lock.emplace(shard_directory, shard_file_name(*shard));
  } else {
    take_output_directory(output, owned);
  }
  const RunIdentity identity{&config, read_config_text(config.config_file), overrides};
  std::optional<Checkpointing> checkpointing;
  if (config.simulation.mode == EvaluationMode::simulate && !per_replicate_file &&
      mpi::size() == 1 && !grid_run) {
    checkpointing.emplace(identity, checkpoint_path(shard ? shard_directory : output, shard), shard,
                          checkpoint_interval, resume, request);
  }
  const auto stopped = [&](const RunInterrupted& e) {
    if (checkpointing) {
      std::fprintf(
          stderr,
          "trialsim: stopped by a signal after %llu of %llu replicates; checkpoint written to %s; "
          "run the same command with --resume to continue\n",
          static_cast<unsigned long long>(e.replicates_done),
          static_cast<unsigned long long>(e.replicates_total),
          terminal_safe(checkpointing->file().string()).c_str());
    } else {
      std::fprintf(stderr,
                   "trialsim: stopped by a signal; this run keeps no checkpoint (%s), so nothing "
                   "was written: "
                   "run the command again\n",
                   grid_run             ? "a grid or search"
                   : per_replicate_file ? "--per-replicate"
                                        : "exact mode");
    }
    return EXIT_INTERRUPTED;
  };

  if (shard) {
    std::vector<PartialNode> shard_nodes;
    const auto checkpoint_save = request.save_partial;
    request.partial_only = true;
    request.part_index = shard->index - 1;
    request.part_count = shard->count;
    request.save_partial = [&](SaveReason reason,
                               const std::function<std::vector<PartialNode>()>& nodes) {
      if (reason == SaveReason::finished) {
        shard_nodes = nodes();
      } else if (checkpoint_save) {
        checkpoint_save(reason, nodes);
      }
    };
    try {
      run_study(config, request);
    } catch (const RunInterrupted& e) {
      shard_lock->keep_directory();  // it holds the checkpoint
      return stopped(e);
    }
    const std::filesystem::path file = shard_directory / shard_file_name(*shard);
    write_partial_results(
        file, PartialResults{partial_header(identity, "shard", shard), std::move(shard_nodes)});
    shard_lock->keep_directory();
    if (checkpointing) checkpointing->remove();
    std::printf("%s: shard %llu of %llu written to %s; combine all %llu with trialsim merge\n",
                config.name.c_str(), static_cast<unsigned long long>(shard->index),
                static_cast<unsigned long long>(shard->count), terminal_safe(file.string()).c_str(),
                static_cast<unsigned long long>(shard->count));
    return EXIT_OK;
  }

  if (grid_run) {
    std::optional<GridOutcome> outcome;
    try {
      outcome.emplace(run_grid(config, require_config(values, "run"), overrides, request));
    } catch (const RunInterrupted& e) {
      return stopped(e);
    }
    if (!owned) return EXIT_OK;  // MPI: rank 0 writes
    const GridOutcome& grid = *outcome;
    const double wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_clock).count();
    owned->write("oc.csv", to_oc_csv(grid.rows));
    owned->write("grid.csv", grid.grid_csv);
    if (config.search) owned->write("search.csv", grid.search_csv);
    nlohmann::json summary = {{"trialsim_version", VERSION},
                              {"config_sha256", config.sha256()},
                              {"seed", config.simulation.seed},
                              {"replicates_per_cell", grid.replicates},
                              {"config", config.resolved()}};
    summary.update(grid.summary);
    owned->write("summary.json", summary.dump(2) + "\n");
    const nlohmann::json manifest = {{"trialsim_version", VERSION},
                                     {"git_revision", GIT_REVISION},
                                     {"config_file", config.config_file},
                                     {"config_sha256", config.sha256()},
                                     {"overrides", overrides},
                                     {"seed", config.simulation.seed},
                                     {"replicates_per_cell", grid.replicates},
                                     {"cells", grid.summary["cells"].size()},
                                     {"threads", threads},
                                     {"mpi_ranks", mpi::size()},
                                     {"start_time", utc_timestamp(start)},
                                     {"wall_time_seconds", wall_seconds}};
    owned->write("manifest.json", manifest.dump(2) + "\n");
    if (values.count("report")) write_report(owned->staged(""), owned->staged(""), output);
    owned->commit(keep_shards);
    // grid.report is escaped line by line already: escaping it whole would print its line
    // breaks as "\n" and the grid's table on one line.
    std::printf("%s: %sresults: %s\n", terminal_safe(config.name).c_str(), grid.report.c_str(),
                terminal_safe(output.string()).c_str());
    if (values.count("report"))
      std::printf("report: %s\n", terminal_safe((output / "report.html").string()).c_str());
    return EXIT_OK;
  }
  std::ofstream per_replicate;
  if (per_replicate_file && owned) {
    per_replicate.open(owned->staged("replicates.csv"), std::ios::binary);
    if (!per_replicate)
      throw std::runtime_error("cannot write " + owned->staged("replicates.csv").string());
    request.per_replicate = &per_replicate;
  }
  std::optional<StudyResult> result;
  try {
    result.emplace(run_study(config, request));
  } catch (const RunInterrupted& e) {
    return stopped(e);
  }
  if (!owned) return EXIT_OK;  // MPI: rank 0 writes
  if (per_replicate.is_open()) {
    per_replicate.close();
    if (!per_replicate) throw std::runtime_error("writing replicates.csv failed");
  }
  nlohmann::json run_facts = {{"threads", threads}, {"mpi_ranks", mpi::size()}};
  if (checkpointing && checkpointing->resumed()) run_facts["resumed_from_checkpoint"] = true;
  write_study_outputs(*owned, config, *result, overrides, run_facts, start, start_clock);
  if (values.count("report")) write_report(owned->staged(""), owned->staged(""), output);
  owned->commit(keep_shards);  // the checkpoint stays behind in the replaced directory
  print_summary(config, *result, output);
  if (values.count("report"))
    std::printf("report: %s\n", terminal_safe((output / "report.html").string()).c_str());
  return EXIT_OK;
}

int command_merge(const std::vector<std::string>& arguments) {
  po::options_description visible(
      "trialsim merge SHARD... [options]  (SHARD: a shard file or a directory of them)");
  visible.add_options()("help,h", "show this help")(
      "output,o", po::value<std::string>(),
      "output directory (default results/<config name>); one run owns it")(
      "report",
      "also write the HTML report (report.html, figures/) into the output directory; needs "
      "gnuplot");
  po::options_description all;
  all.add(visible).add_options()("shards", po::value<std::vector<std::string>>(), "shard files");
  po::positional_options_description positional;
  positional.add("shards", -1);
  const auto values = parse(arguments, all, positional);
  if (values.count("help")) {
    std::cout << visible << "\n";
    return EXIT_OK;
  }
  if (!values.count("shards"))
    throw UsageError("missing SHARD: usage: trialsim merge SHARD... [--output DIR]");
  if (values.count("output") && values["output"].as<std::string>().empty()) {
    throw UsageError("--output is empty, expected a directory name");
  }
  if (values.count("report")) check_report_tools();
  const auto start = std::chrono::system_clock::now();
  const auto start_clock = std::chrono::steady_clock::now();
  MergeInput input = load_shards(values["shards"].as<std::vector<std::string>>());
  const std::filesystem::path output =
      values.count("output") ? std::filesystem::path(values["output"].as<std::string>())
                             : std::filesystem::path("results") / input.config.name;
  RunRequest request;
  request.simulate = false;
  request.progress = ProgressMode::quiet;
  request.preloaded = std::move(input.nodes);
  OwnedOutputDirectory owned(output);
  const StudyResult result = run_study(input.config, request);
  write_study_outputs(owned, input.config, result, input.overrides,
                      {{"merged_shards", input.shard_count}}, start, start_clock);
  if (values.count("report")) write_report(owned.staged(""), owned.staged(""), output);
  owned.commit(keep_shards);
  print_summary(input.config, result, output);
  if (values.count("report"))
    std::printf("report: %s\n", terminal_safe((output / "report.html").string()).c_str());
  return EXIT_OK;
}

}  // namespace

int report_failure(const std::exception& error) {
  // Under MPI every rank meets the same invalid input: rank 0 alone says so. Messages can carry
  // text from input (names, paths, values): shown escaped, never as raw control characters.
  const bool quiet_rank = mpi::rank() != 0;
  if (dynamic_cast<const SilentInvalidInput*>(&error)) return EXIT_INVALID_INPUT;
  if (dynamic_cast<const ConfigError*>(&error)) {
    if (!quiet_rank)
      std::cerr << terminal_safe(error.what()) << "\n";  // already FILE:LINE:COL: key: ...
    return EXIT_INVALID_INPUT;
  }
  if (dynamic_cast<const UsageError*>(&error) ||
      dynamic_cast<const OutputDirectoryError*>(&error)) {
    if (!quiet_rank) std::cerr << "trialsim: " << terminal_safe(error.what()) << "\n";
    return EXIT_INVALID_INPUT;
  }
  if (mpi::size() > 1)
    std::cerr << "trialsim (rank " << mpi::rank() << "): error: " << terminal_safe(error.what())
              << "\n";
  else
    std::cerr << "trialsim: error: " << terminal_safe(error.what()) << "\n";
  return EXIT_RUNTIME_FAILURE;
}

int run_cli(const std::vector<std::string>& arguments) {
  try {
    if (arguments.empty())
      throw UsageError(
          "missing COMMAND (run, validate, analyze, fit, merge, report); see trialsim --help");
    const std::string& command = arguments.front();
    const std::vector<std::string> rest(arguments.begin() + 1, arguments.end());
    if (command == "--help" || command == "-h" || command == "help") {
      std::cout << TOP_USAGE;
      return EXIT_OK;
    }
    if (command == "--version") {
      std::cout << "trialsim " << VERSION << " (" << GIT_REVISION << ")\n";
      return EXIT_OK;
    }
    if (command == "run") return command_run(rest);
    if (command == "validate") return command_validate(rest);
    if (command == "analyze") return command_analyze(rest);
    if (command == "fit") return command_fit(rest);
    if (command == "merge") return command_merge(rest);
    if (command == "report") return command_report(rest);
    // Generated files (docs/architecture.md): the config's JSON Schema and its key reference.
    if (command == "config-schema" || command == "config-reference") {
      if (!rest.empty()) throw UsageError(command + " takes no arguments; it writes to stdout");
      std::cout << (command == "config-schema" ? study_config_schema().dump(2) + "\n"
                                               : study_config_reference());
      return EXIT_OK;
    }
    throw UsageError("unknown command '" + command + "'; see trialsim --help");
  } catch (const std::exception& e) {
    return report_failure(e);
  }
}

}  // namespace trialsim
