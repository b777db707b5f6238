#include "app/cli.h"

int main(int argc, char** argv) { return trialsim::run_cli({argv + 1, argv + argc}); }
