# Writes OUT from IN with the project version and the git revision of SOURCE_DIR (12 hex digits,
# "-dirty" when tracked files differ from HEAD, "unknown" outside a git checkout). Run once at
# configure time and again before every build (the trialsim_version target): configure_file
# rewrites OUT only when its text changes, so an unchanged revision recompiles nothing, and a
# manifest.json never names a revision the binary was not built from.
execute_process(COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE TRIALSIM_GIT_REVISION
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT TRIALSIM_GIT_REVISION)
  set(TRIALSIM_GIT_REVISION "unknown")
else()
  execute_process(COMMAND git diff --quiet HEAD --
    WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE TRIALSIM_GIT_DIRTY
    OUTPUT_QUIET ERROR_QUIET)
  if(TRIALSIM_GIT_DIRTY EQUAL 1)
    string(APPEND TRIALSIM_GIT_REVISION "-dirty")
  endif()
endif()
configure_file(${IN} ${OUT} @ONLY)
