// Catch2 v2 entry point for the whole suite (one test file per header elsewhere in tests/).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
