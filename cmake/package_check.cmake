# Run by cpack (CPACK_PROJECT_CONFIG_FILE) before it installs anything: a
# .deb from a tree configured for /usr/local would put the Lua modules in
# /usr/lib/lua instead of DESIGN.md's /usr/lib/x86_64-linux-gnu/lua.
if(CPACK_GENERATOR STREQUAL "DEB" AND NOT CPACK_AUTHWEIGHT_INSTALL_PREFIX STREQUAL "/usr")
  message(FATAL_ERROR
    "authweight: the .deb needs a build directory configured with -DCMAKE_INSTALL_PREFIX=/usr "
    "(this one has ${CPACK_AUTHWEIGHT_INSTALL_PREFIX}, libdir ${CPACK_AUTHWEIGHT_LIBDIR}); "
    "tests/package/build-deb.sh does it all")
endif()
