#include <algorithm>

#include "designs/design.h"

// The registered designs, one line each: X(folder), where designs/<folder>/ defines
// `const DesignPlugin& trialsim::designs::<folder>::plugin()`. Registration order is the order
// `design.type` lists them in messages and in the generated config reference.
#define TRIALSIM_REGISTERED_DESIGNS(X) \
  X(single_arm_binary)                 \
  X(two_arm_survival)                  \
  X(single_arm_car_t)                  \
  X(single_arm_sequential)             \
  X(maintenance_after_car_t)           \
  X(plugin_check)                      \
  /* one line per design above this one */

#define TRIALSIM_DECLARE_DESIGN(folder) \
  namespace trialsim::designs::folder { \
  const DesignPlugin& plugin();         \
  }
TRIALSIM_REGISTERED_DESIGNS(TRIALSIM_DECLARE_DESIGN)
#undef TRIALSIM_DECLARE_DESIGN

namespace trialsim {

const std::vector<DesignPlugin>& registered_designs() {
#define TRIALSIM_LIST_DESIGN(folder) designs::folder::plugin(),
  static const std::vector<DesignPlugin> designs = {
      TRIALSIM_REGISTERED_DESIGNS(TRIALSIM_LIST_DESIGN)};
#undef TRIALSIM_LIST_DESIGN
  return designs;
}

std::vector<std::string> registered_design_types() {
  std::vector<std::string> types;
  for (const DesignPlugin& design : registered_designs()) types.emplace_back(design.type);
  return types;
}

const DesignPlugin* find_design(std::string_view type) {
  const auto& designs = registered_designs();
  const auto found = std::find_if(designs.begin(), designs.end(),
                                  [&](const DesignPlugin& d) { return d.type == type; });
  return found == designs.end() ? nullptr : &*found;
}

void refuse_exact_mode(MappingReader& root, const DesignContext& context, std::string_view type,
                       const std::string& expected) {
  if (context.simulation.mode != EvaluationMode::exact) return;
  root.mapping("simulation")
      .fail("mode", "exact evaluation is not available for design type " + std::string(type),
            expected);
}

}  // namespace trialsim
