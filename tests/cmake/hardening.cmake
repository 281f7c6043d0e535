# Hardening (issue 8): the sanitizer build's targets and environment, and the
# hostile-input suite (tests/core/test_hostile.cxx, TEST_GROUP hostile, is
# globbed into the unit tests). tests/fuzz holds the libFuzzer targets
# (tests/fuzz.sh) and tests/bench/bench_hostile.cxx the timings.

# Everything `ctest -L 'unit|conformance'` runs: the test programs of this
# directory and the CLI. Collected once every tests/cmake part has been
# read, so runners added later are included without naming them here.
add_custom_target(authweight_sanitize_targets)
add_dependencies(authweight_sanitize_targets authweight-check)
function(authweight_collect_sanitize_targets)
  get_property(targets DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t ${targets})
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "EXECUTABLE")
      add_dependencies(authweight_sanitize_targets ${t})
    endif()
  endforeach()
  if(AUTHWEIGHT_SANITIZE)
    # LeakSanitizer reads tests/lsan.supp (library caches only, never ours);
    # any UndefinedBehaviorSanitizer report fails the test.
    get_property(tests DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} PROPERTY TESTS)
    foreach(t ${tests})
      set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT
        "ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:strict_string_checks=1:detect_stack_use_after_return=1"
        "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/lsan.supp:print_suppressions=0"
        "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
    endforeach()
  endif()
endfunction()
cmake_language(DEFER CALL authweight_collect_sanitize_targets)

# DNS faults through the integration tests' real DNS server (unbound): the
# scenarios in tests/integration/dns_faults run on tests/integration's
# harness, with zone2unbound_faults.sh adding what a zone file cannot say.
set(AUTHWEIGHT_DNS_FAULTS ${PROJECT_SOURCE_DIR}/tests/integration/dns_faults)
file(GLOB AUTHWEIGHT_DNS_FAULT_SCENARIOS LIST_DIRECTORIES true CONFIGURE_DEPENDS ${AUTHWEIGHT_DNS_FAULTS}/*)
foreach(dir ${AUTHWEIGHT_DNS_FAULT_SCENARIOS})
  if(IS_DIRECTORY ${dir} AND EXISTS ${dir}/scenario.txt)
    get_filename_component(name ${dir} NAME)
    add_authweight_test(integration.dns_faults.${name}
      COMMAND ${PROJECT_SOURCE_DIR}/tests/integration/run_scenario.sh ${PROJECT_BINARY_DIR} ${dir}
      LABELS integration
      ENVIRONMENT "AW_ZONE2UNBOUND=${AUTHWEIGHT_DNS_FAULTS}/zone2unbound_faults.sh"
                  "AW_FAULTS_ZONE2UNBOUND=$<TARGET_FILE:zone2unbound>"
                  "AW_FAULTS_FILE=${dir}/faults.txt")
    set_tests_properties(integration.dns_faults.${name} PROPERTIES FIXTURES_REQUIRED authweight_rspamd)
  endif()
endforeach()
