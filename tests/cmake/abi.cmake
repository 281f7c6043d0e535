# The one door (issue 20): libauthweight.so.0 exports the C ABI of
# plugin/authweight.h and nothing else, and the Lua modules enter through it.
# Label abi only, not unit: the sanitizer build (tests/run.sh's second
# pass, -L 'unit|conformance') builds no Lua module to look at.
add_authweight_test(abi.exports
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/abi/abi_test.sh $<TARGET_FILE:authweight>
          ${PROJECT_SOURCE_DIR}/plugin/authweight.h libauthweight.so.${AUTHWEIGHT_SOVERSION}
          $<TARGET_FILE:authweight_lua51> $<TARGET_FILE:authweight_lua54>
  LABELS abi)
