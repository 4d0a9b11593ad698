foreach(t test_continue_token test_store)
  lwc_check_test(${t} ${t}.c)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 60)
endforeach()

# The scenario runner's steps on a server, every catalog world built (the
# parser's own tests are in scenario/tests).
lwc_check_test(test_scenario_run test_scenario_run.c)
target_compile_definitions(test_scenario_run PRIVATE LWC_SCENARIO_DIR="${PROJECT_SOURCE_DIR}/scenarios")
add_test(NAME test_scenario_run COMMAND test_scenario_run)
set_tests_properties(test_scenario_run PROPERTIES LABELS unit TIMEOUT 120)
