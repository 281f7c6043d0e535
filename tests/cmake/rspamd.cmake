# The rspamd plugin against the real thing: Debian's rspamd 3.4 and unbound
# on loopback (tests/integration). Each scenario is its own ctest, labelled
# integration; tests/integration/run_scenario.sh says what a scenario is.

set(AUTHWEIGHT_INTEGRATION ${PROJECT_SOURCE_DIR}/tests/integration)

# The plugin's pure helpers, and the config as the plugin hands it to the
# library, for every key of schemas/authweight.schema.json.
add_authweight_test(lua.plugin_lib
  COMMAND ${LUAJIT_EXE} ${AUTHWEIGHT_INTEGRATION}/test_plugin_lib.lua
          ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/lua/5.1
  LABELS lua)

# The first start compiles rspamd's hyperscan databases into a cache that
# the scenarios share; it runs alone, before them.
add_authweight_test(integration.startup
  COMMAND ${AUTHWEIGHT_INTEGRATION}/run_scenario.sh ${PROJECT_BINARY_DIR} ${AUTHWEIGHT_INTEGRATION}/startup
  LABELS integration)
set_tests_properties(integration.startup PROPERTIES FIXTURES_SETUP authweight_rspamd)

file(GLOB AUTHWEIGHT_SCENARIOS LIST_DIRECTORIES true CONFIGURE_DEPENDS ${AUTHWEIGHT_INTEGRATION}/scenarios/*)
foreach(dir ${AUTHWEIGHT_SCENARIOS})
  if(IS_DIRECTORY ${dir} AND EXISTS ${dir}/scenario.txt)
    get_filename_component(name ${dir} NAME)
    add_authweight_test(integration.${name}
      COMMAND ${AUTHWEIGHT_INTEGRATION}/run_scenario.sh ${PROJECT_BINARY_DIR} ${dir}
      LABELS integration)
    set_tests_properties(integration.${name} PROPERTIES FIXTURES_REQUIRED authweight_rspamd)
  endif()
endforeach()
