#pragma once
// The services the edges give designs while they read a config: files are read here, so the
// designs stay pure (designs/design.h DesignServices).
#include "designs/design.h"

namespace trialsim {

const DesignServices& design_services();

}  // namespace trialsim
