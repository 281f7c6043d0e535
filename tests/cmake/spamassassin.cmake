# The SpamAssassin plugin against the real thing: Debian's SpamAssassin 4
# (`spamassassin -t` with a private site config) and unbound on loopback
# (tests/spamassassin). Each scenario is its own ctest, labelled
# spamassassin; tests/spamassassin/run_scenario.sh says what a scenario is.
# The plugin loads libauthweight from the build tree.

set(AUTHWEIGHT_SPAMASSASSIN ${PROJECT_SOURCE_DIR}/tests/spamassassin)
file(GLOB AUTHWEIGHT_SA_SCENARIOS LIST_DIRECTORIES true CONFIGURE_DEPENDS ${AUTHWEIGHT_SPAMASSASSIN}/scenarios/*)
foreach(dir ${AUTHWEIGHT_SA_SCENARIOS})
  if(IS_DIRECTORY ${dir} AND EXISTS ${dir}/scenario.txt)
    get_filename_component(name ${dir} NAME)
    add_authweight_test(spamassassin.${name}
      COMMAND ${AUTHWEIGHT_SPAMASSASSIN}/run_scenario.sh ${PROJECT_BINARY_DIR} ${dir}
      LABELS spamassassin)
  endif()
endforeach()
