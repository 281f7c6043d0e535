# Reputation of authenticated identities (issue 6). The unit tests
# (tests/core/test_reputation*.cxx, test_msgpack_record.cxx,
# test_lmdb_store.cxx) are globbed with the others; these drive the CLI
# against a real LMDB store and a real redis-server on loopback.

set(AUTHWEIGHT_REPUTATION_TESTS ${CMAKE_CURRENT_SOURCE_DIR}/reputation)

add_authweight_test(reputation.cli_lmdb
  COMMAND ${AUTHWEIGHT_REPUTATION_TESTS}/cli_lmdb_test.sh $<TARGET_FILE:authweight-check>
          ${PROJECT_SOURCE_DIR}/examples
  LABELS reputation cli)

add_authweight_test(reputation.cli_redis
  COMMAND ${AUTHWEIGHT_REPUTATION_TESTS}/cli_redis_test.sh $<TARGET_FILE:authweight-check>
          ${PROJECT_SOURCE_DIR}/examples
  LABELS reputation cli redis)

# The Lua module's reputation bindings, under both Lua ABIs.
foreach(flavour luajit lua54)
  if(flavour STREQUAL "luajit")
    set(exe ${LUAJIT_EXE})
    set(cpath ${PROJECT_BINARY_DIR}/lua/5.1)
  else()
    set(exe ${LUA54_EXE})
    set(cpath ${PROJECT_BINARY_DIR}/lua/5.4)
  endif()
  add_authweight_test(reputation.lua_${flavour}
    COMMAND ${exe} ${AUTHWEIGHT_REPUTATION_TESTS}/test_reputation_module.lua ${CMAKE_CURRENT_BINARY_DIR} ${cpath}
    LABELS reputation lua)
endforeach()

# The plugin in a real rspamd 3.4 with two normal workers, once per
# backend (tests/reputation/rspamd_reputation_test.sh says what each
# proves). They share the hyperscan cache that integration.startup builds.
foreach(backend lmdb redis)
  add_authweight_test(reputation.rspamd_${backend}
    COMMAND ${AUTHWEIGHT_REPUTATION_TESTS}/rspamd_reputation_test.sh ${PROJECT_BINARY_DIR} ${backend}
    LABELS integration reputation)
  set_tests_properties(reputation.rspamd_${backend} PROPERTIES FIXTURES_REQUIRED authweight_rspamd)
endforeach()
