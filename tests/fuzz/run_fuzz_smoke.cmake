# Runs one libFuzzer target for SECONDS: new inputs go to a scratch corpus under WORK_DIR, the
# checked-in SEED_DIR is only read; crash reproducers land in WORK_DIR/artifacts/.
# cmake -DFUZZER=... -DSEED_DIR=... -DDICT=... -DWORK_DIR=... -DSECONDS=... -P run_fuzz_smoke.cmake
foreach(var FUZZER SEED_DIR DICT WORK_DIR SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzz_smoke.cmake: ${var} is not set")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}/corpus")
file(MAKE_DIRECTORY "${WORK_DIR}/corpus" "${WORK_DIR}/artifacts")
# -timeout: one input of these parsers taking seconds is a finding, and a runaway allocation
# (yaml-cpp's endless stream, now guarded in the loader) is caught as a timeout, with its input saved, before the RSS limit,
# whose report can take minutes.
execute_process(
  COMMAND "${FUZZER}" -max_total_time=${SECONDS} -timeout=5 -dict=${DICT} -print_final_stats=1
          -artifact_prefix=${WORK_DIR}/artifacts/ "${WORK_DIR}/corpus" "${SEED_DIR}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}); reproducers in ${WORK_DIR}/artifacts/")
endif()
