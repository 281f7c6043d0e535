# The Debian package (issue 7) and the Lua 5.4 example.

# examples/lua54/score.lua on the build tree's Lua 5.4 module gives the
# verdicts authweight-check gives, for every sample message.
add_authweight_test(lua54.score_example
  COMMAND ${PROJECT_SOURCE_DIR}/tests/package/score_example.sh ${LUA54_EXE}
          $<TARGET_FILE:authweight-check> ${PROJECT_SOURCE_DIR}/examples
  LABELS lua examples
  ENVIRONMENT "LUA_CPATH=${PROJECT_BINARY_DIR}/lua/5.4/?.so")

# Build the .deb, lintian, dpkg -i, rspamd from the stock /etc/rspamd on
# loopback, scan, dpkg --purge. Root only (77 = skipped otherwise). It
# installs into the system, so nothing else may run beside it: an rspamd of
# another test reading the stock /etc/rspamd would load the installed plugin.
# Its build of the package (BUILD/package) takes minutes on a cold tree.
# The package is built with Debian's flags whatever this tree's are, so a
# sanitizer or fuzzing build dir does not run it a second time.
if(AUTHWEIGHT_SANITIZE OR AUTHWEIGHT_ENABLE_FUZZING)
  return()
endif()
add_authweight_test(package.deb
  COMMAND ${PROJECT_SOURCE_DIR}/tests/package/package_test.sh ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}
  LABELS package)
set_tests_properties(package.deb PROPERTIES SKIP_RETURN_CODE 77 RUN_SERIAL TRUE TIMEOUT 1800)
