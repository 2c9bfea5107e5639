# bench_case_question: issue 10's benchmark with five real snijpuntd nodes on
# loopback (bench/bench_case_question.sh; figures in bench/README.md). A
# custom target, neither in `all` nor in `benchmarks` nor a ctest test:
#   cmake --build build --target bench_case_question
# builds what it needs and runs it with this build (SP_BUILD_DIR).
if(TARGET snijpuntd AND TARGET snijpunt AND TARGET bench_case_epoch)
  add_custom_target(bench_case_question
    COMMAND ${CMAKE_COMMAND} -E env SP_BUILD_DIR=${CMAKE_BINARY_DIR}
            ${CMAKE_CURRENT_LIST_DIR}/bench_case_question.sh
    USES_TERMINAL
    COMMENT "bench/bench_case_question.sh: five nodes, 1,000,000 values each")
  add_dependencies(bench_case_question snijpuntd snijpunt bench_case_epoch)
endif()
