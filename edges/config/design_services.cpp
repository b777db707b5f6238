#include "edges/config/design_services.h"

#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

#include "config/config_error.h"
#include "core/output.h"
#include "edges/fit/fit_command.h"

namespace trialsim {
namespace {

// Every number of a fitted model in its parameter's domain (finite, probabilities in [0, 1],
// positive scales and rates), checked before a run: a located error in the fitted file, not a
// run that fails or reports nonsense. The file is parsed again only to locate a bad value.
void check_fitted_values(const std::filesystem::path& file, const FittedModel& model) {
  const auto fail = [&](std::ptrdiff_t row, const car_t::NamedParameter& parameter, double value) {
    const ConfigDocument document = ConfigDocument::load_file(file.string());
    const YAML::Node& root = document.root();
    std::string path = std::string("point.") + parameter.name;
    YAML::Node node = root["point"][parameter.name];
    if (row >= 0) {  // a draw: its column is the parameter's position in draws.columns
      const YAML::Node columns = root["draws"]["columns"];
      for (std::size_t c = 0; c < columns.size(); ++c) {
        if (columns[c].Scalar() != parameter.name) continue;
        path = "draws.values." + std::to_string(row) + "." + std::to_string(c);
        node.reset(root["draws"]["values"][static_cast<std::size_t>(row)][c]);
      }
    }
    throw ConfigError(document.locate(node, path), path,
                      "value " + format_number(value) + " is out of range for " + parameter.name,
                      car_t::describe_domain(parameter));
  };
  for (const car_t::NamedParameter& p : car_t::parameter_table()) {
    if (!car_t::parameter_value_allowed(p, model.point.*p.member))
      fail(-1, p, model.point.*p.member);
  }
  // A draw holds the point value for every parameter the file gives no column, so a bad draw
  // value is always in a column.
  for (std::size_t r = 0; r < model.draws.size(); ++r) {
    for (const car_t::NamedParameter& p : car_t::parameter_table()) {
      const double value = model.draws[r].*p.member;
      if (!car_t::parameter_value_allowed(p, value)) fail(static_cast<std::ptrdiff_t>(r), p, value);
    }
  }
}

// load_fitted_model and check_fitted_values, once per file: a grid or search reads the config
// once per value and per cell, and a fitted file with its posterior draws is large (0.6 MB for
// 1 000 draws). Keyed by path, size and modification time, so an edited file is read again.
FittedModel load_checked_fitted_model(const std::filesystem::path& file) {
  struct Cached {
    std::string path;
    std::uintmax_t size = 0;
    std::filesystem::file_time_type modified;
    FittedModel model;
  };
  static std::mutex mutex;
  static std::optional<Cached> cached;
  std::error_code ec;
  const std::string path = std::filesystem::absolute(file, ec).lexically_normal().string();
  const std::uintmax_t size = std::filesystem::file_size(file, ec);
  const auto modified = std::filesystem::last_write_time(file, ec);
  {
    const std::lock_guard lock(mutex);
    if (!ec && cached && cached->path == path && cached->size == size &&
        cached->modified == modified) {
      return cached->model;
    }
  }
  FittedModel model = load_fitted_model(file);
  check_fitted_values(file, model);
  if (!ec) {
    const std::lock_guard lock(mutex);
    cached = Cached{path, size, modified, model};
  }
  return model;
}

std::string file_sha256(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return sha256_hex(bytes.str());
}

}  // namespace

const DesignServices& design_services() {
  static const DesignServices services{&load_checked_fitted_model, &file_sha256};
  return services;
}

}  // namespace trialsim
