# The Debian packages: `cpack -G DEB` in a build directory configured with
# -DCMAKE_INSTALL_PREFIX=/usr makes, from the install components of
# CMakeLists.txt, the way Debian splits a library:
#   authweight_<v>-<r>_amd64.deb         runtime: DESIGN.md's installed layout
#   libauthweight0_<v>-<r>_amd64.deb     library: libauthweight.so.0 (shlibs,
#                                         ldconfig trigger)
#   libauthweight-dev_<v>-<r>_amd64.deb  dev: authweight.h, authweight.pc, the .so link
#   authweight-spamassassin_<v>-<r>_all.deb  the SpamAssassin plugin (Perl, over
#                                         libauthweight0; no rspamd)
# tests/package/build-deb.sh is the whole recipe (Debian's hardening build
# flags, prefix /usr, cpack).
#
# Debian specifics the plain install lacks are added here: the manual page
# and the Debian changelog gzipped with -9n (no name, no timestamp, as
# dh_compress does), the machine-readable copyright file, the examples, and
# the conffiles list. authweight has no maintainer scripts: installing or
# removing it never restarts rspamd (the admin does, when ready; doc/package.md).
include_guard(GLOBAL)

set(AUTHWEIGHT_DEB_RELEASE 1 CACHE STRING "Debian revision of the package (the -N of <version>-N)")
set(AUTHWEIGHT_DEB_MAINTAINER "authweight developers <dev@authweight.invalid>")
set(AUTHWEIGHT_DEB_VERSION "${PROJECT_VERSION}-${AUTHWEIGHT_DEB_RELEASE}")
set(_aw_pkg_dir ${PROJECT_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${_aw_pkg_dir})
find_program(AUTHWEIGHT_GZIP gzip REQUIRED)

# --- manual page: the version comes from project() ---------------------------
set(_aw_man_src ${PROJECT_SOURCE_DIR}/doc/authweight-check.1)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_aw_man_src})
file(READ ${_aw_man_src} _aw_man_text)
string(REGEX REPLACE "\"authweight [0-9][^\"]*\"" "\"authweight ${PROJECT_VERSION}\"" _aw_man_text "${_aw_man_text}")
file(WRITE ${_aw_pkg_dir}/authweight-check.1.tmp "${_aw_man_text}")
configure_file(${_aw_pkg_dir}/authweight-check.1.tmp ${_aw_pkg_dir}/man/authweight-check.1 COPYONLY)

# --- Debian changelog: SOURCE_DATE_EPOCH, if set, fixes the date ----------------
string(TIMESTAMP AUTHWEIGHT_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/cmake/debian/changelog.in)
configure_file(${PROJECT_SOURCE_DIR}/cmake/debian/changelog.in ${_aw_pkg_dir}/changelog.Debian.tmp @ONLY)
# Only the version line matters to a rebuild; keep the file (and its .gz)
# unchanged when only the configure time moved.
file(READ ${_aw_pkg_dir}/changelog.Debian.tmp _aw_cl_new)
set(_aw_cl_old "")
if(EXISTS ${_aw_pkg_dir}/doc/changelog.Debian)
  file(READ ${_aw_pkg_dir}/doc/changelog.Debian _aw_cl_old)
endif()
string(REGEX REPLACE "\n -- [^\n]*" "" _aw_cl_new_body "${_aw_cl_new}")
string(REGEX REPLACE "\n -- [^\n]*" "" _aw_cl_old_body "${_aw_cl_old}")
if(NOT _aw_cl_new_body STREQUAL _aw_cl_old_body)
  configure_file(${_aw_pkg_dir}/changelog.Debian.tmp ${_aw_pkg_dir}/doc/changelog.Debian COPYONLY)
endif()

# gzip -9n: maximum compression, no name or timestamp in the header
# (lintian: manpage-not-compressed-with-max-compression, package-contains-timestamped-gzip).
set(_aw_gz_outputs)
foreach(_aw_gz man/authweight-check.1 doc/changelog.Debian)
  set(_aw_in ${_aw_pkg_dir}/${_aw_gz})
  get_filename_component(_aw_name ${_aw_gz} NAME)
  set(_aw_out ${_aw_pkg_dir}/gz/${_aw_name}.gz)
  add_custom_command(OUTPUT ${_aw_out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_aw_pkg_dir}/gz
    COMMAND ${CMAKE_COMMAND} -E copy ${_aw_in} ${_aw_pkg_dir}/gz/${_aw_name}
    COMMAND ${AUTHWEIGHT_GZIP} -9nf ${_aw_pkg_dir}/gz/${_aw_name}
    DEPENDS ${_aw_in}
    COMMENT "gzip -9n ${_aw_name}"
    VERBATIM)
  list(APPEND _aw_gz_outputs ${_aw_out})
endforeach()
add_custom_target(authweight_docs ALL DEPENDS ${_aw_gz_outputs})

# --- install rules (they hold for `cmake --install` with prefix /usr too) --------
set(AUTHWEIGHT_DEB_LIBRARY libauthweight${AUTHWEIGHT_SOVERSION})
install(FILES ${_aw_pkg_dir}/gz/authweight-check.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
# Every package carries its copyright and changelog (Debian policy 12.5, 12.7).
foreach(_aw_comp_pkg runtime:authweight library:${AUTHWEIGHT_DEB_LIBRARY} dev:libauthweight-dev
                     spamassassin:authweight-spamassassin)
  string(REPLACE ":" ";" _aw_comp_pkg ${_aw_comp_pkg})
  list(GET _aw_comp_pkg 0 _aw_comp)
  list(GET _aw_comp_pkg 1 _aw_pkg)
  install(FILES ${PROJECT_SOURCE_DIR}/cmake/debian/copyright ${_aw_pkg_dir}/gz/changelog.Debian.gz
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${_aw_pkg} COMPONENT ${_aw_comp})
endforeach()
# The examples; demo.sh and zone2unbound.cxx (the demo's DNS server) drive
# a source tree and are left out.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples COMPONENT runtime
        PATTERN demo.sh EXCLUDE PATTERN zone2unbound.cxx EXCLUDE PATTERN spamassassin EXCLUDE)
install(FILES ${PROJECT_SOURCE_DIR}/examples/spamassassin/local.cf
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/authweight-spamassassin/examples COMPONENT spamassassin)

# --- CPack ------------------------------------------------------------------------
# Only for authweight's own build: a project embedding it packages itself.
if(NOT AUTHWEIGHT_IS_TOP)
  return()
endif()
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME authweight)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the authweight authors")
set(CPACK_PACKAGE_CONTACT "${AUTHWEIGHT_DEB_MAINTAINER}")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime library dev spamassassin)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME authweight)
set(CPACK_DEBIAN_LIBRARY_PACKAGE_NAME ${AUTHWEIGHT_DEB_LIBRARY})
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libauthweight-dev)
set(CPACK_DEBIAN_SPAMASSASSIN_PACKAGE_NAME authweight-spamassassin)
set(_aw_long_description
"authweight weighs what email authentication proves - TLS, SPF, Sender ID,
DKIM, DMARC alignment and authenticated whitelists - as bounded evidence in
a spam filter. Authentication is a positive signal, never an automatic
pass: a trust budget caps the negative weight that all authentication
symbols together may give a message, forgeries of protected domains and
their look-alikes weigh heavily, and TLS from botnet-like hosts raises the
score.")
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
"email authentication evidence weighting for rspamd
${_aw_long_description}
.
This package contains the rspamd plugin with its defaults in
/etc/rspamd/modules.d/authweight.conf (settings go in
/etc/rspamd/local.d/authweight.conf), the authweight_core Lua module for
LuaJIT and Lua 5.4, and authweight-check, which scores one message outside
rspamd.")
set(CPACK_DEBIAN_LIBRARY_DESCRIPTION
"email authentication evidence weighting - shared library
${_aw_long_description}
.
This package contains libauthweight, the C library every front end of
authweight (the rspamd plugin, the Lua modules, authweight-check) enters
through.")
set(CPACK_DEBIAN_DEV_DESCRIPTION
"email authentication evidence weighting - development files
${_aw_long_description}
.
This package contains the C header authweight.h, the pkg-config file and
the link to build a filter's own front end on libauthweight.")
set(CPACK_DEBIAN_SPAMASSASSIN_DESCRIPTION
"email authentication evidence weighting for SpamAssassin
${_aw_long_description}
.
This package contains Mail::SpamAssassin::Plugin::AuthWeight, loaded by
/etc/spamassassin/authweight.pre, with its rules and scores in
/etc/spamassassin/authweight.cf; settings are authweight_* directives.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${AUTHWEIGHT_DEB_MAINTAINER}")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_LIBRARY_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_SPAMASSASSIN_PACKAGE_SECTION mail)
# Perl and configuration only; the library it calls is libauthweight0's.
set(CPACK_DEBIAN_SPAMASSASSIN_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${AUTHWEIGHT_DEB_RELEASE})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# dpkg-shlibdeps computes the library dependencies; it finds libauthweight
# in the build tree (the package that ships it is not installed yet) and
# the exact version is stated below. rspamd is the plugin's host.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "${AUTHWEIGHT_DEB_LIBRARY} (= ${AUTHWEIGHT_DEB_VERSION}), rspamd (>= 3.4)")
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "${AUTHWEIGHT_DEB_LIBRARY} (= ${AUTHWEIGHT_DEB_VERSION})")
set(CPACK_DEBIAN_SPAMASSASSIN_PACKAGE_DEPENDS
    "${AUTHWEIGHT_DEB_LIBRARY} (= ${AUTHWEIGHT_DEB_VERSION}), spamassassin (>= 4.0), libffi-platypus-perl (>= 2.00)")
# The Lua 5.4 module takes and gives JSON text: lua-cjson encodes and
# decodes it (examples/lua54/score.lua).
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SUGGESTS "lua5.4, lua-cjson")
# The library package: a shlibs file (what dpkg-shlibdeps of other
# packages reads) and libc's ldconfig trigger.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
file(WRITE ${_aw_pkg_dir}/library/triggers "activate-noawait ldconfig\n")
set(CPACK_DEBIAN_LIBRARY_PACKAGE_CONTROL_EXTRA ${_aw_pkg_dir}/library/triggers)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
# The modules.d file is a conffile: an admin's edit is kept (dpkg asks on
# upgrade), and purge removes it. local.d/override.d belong to the admin and
# are no file of this package.
file(WRITE ${_aw_pkg_dir}/conffiles "/etc/rspamd/modules.d/authweight.conf\n")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA ${_aw_pkg_dir}/conffiles)
file(WRITE ${_aw_pkg_dir}/spamassassin/conffiles
     "/etc/spamassassin/authweight.cf\n/etc/spamassassin/authweight.pre\n")
set(CPACK_DEBIAN_SPAMASSASSIN_PACKAGE_CONTROL_EXTRA ${_aw_pkg_dir}/spamassassin/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Checked by cpack (cmake/package_check.cmake): the layout is DESIGN.md's only
# when the tree was configured with prefix /usr (GNUInstallDirs then picks
# lib/x86_64-linux-gnu and /etc).
set(CPACK_AUTHWEIGHT_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_AUTHWEIGHT_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_SOURCE_DIR}/cmake/package_check.cmake)
include(CPack)
