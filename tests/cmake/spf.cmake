# SPF and Sender ID (issue 3): the OpenSPF YAML suites read in place from
# ../shared/testdata, the RFC 4407 PRA table, and the CLI on converted zones.
# Each runner prints "NAME: P passed, F failed" and fails below its floor;
# the RFC 7208 failures left are listed in tests/conformance/KNOWN_FAILURES.md.

find_package(yaml-cpp REQUIRED)

set(SPF_CONFORMANCE_DIR ${CMAKE_CURRENT_SOURCE_DIR}/conformance)

# The YAML reader and zone conversion, shared by the runner and the CLI test.
add_library(authweight_spf_suite STATIC ${SPF_CONFORMANCE_DIR}/spf_suite.cxx)
target_compile_options(authweight_spf_suite PRIVATE ${AUTHWEIGHT_WARNINGS})
target_include_directories(authweight_spf_suite PUBLIC ${SPF_CONFORMANCE_DIR})
target_link_libraries(authweight_spf_suite PUBLIC authweight::adapters yaml-cpp nlohmann_json::nlohmann_json)

add_executable(spf_conformance ${SPF_CONFORMANCE_DIR}/spf_conformance.cxx)
target_compile_options(spf_conformance PRIVATE ${AUTHWEIGHT_WARNINGS})
target_link_libraries(spf_conformance PRIVATE authweight_spf_suite)

add_executable(spf_cli_conformance ${SPF_CONFORMANCE_DIR}/spf_cli_conformance.cxx)
target_compile_options(spf_cli_conformance PRIVATE ${AUTHWEIGHT_WARNINGS})
target_link_libraries(spf_cli_conformance PRIVATE authweight_spf_suite)

set(SPF_SUITES ${AUTHWEIGHT_TESTDATA})

# Floors: what the suites reach now; raise them, never lower them.
add_authweight_test(conformance.spf.rfc7208
  COMMAND spf_conformance spf ${SPF_SUITES}/pyspf/rfc7208-tests.yml "RFC 7208" 203
  LABELS conformance spf)
add_authweight_test(conformance.spf.rfc4408
  COMMAND spf_conformance spf ${SPF_SUITES}/pyspf/rfc4408-tests.yml "RFC 4408" 191
  LABELS conformance spf)
add_authweight_test(conformance.spf.pyspf
  COMMAND spf_conformance spf ${SPF_SUITES}/pyspf/test.yml "pyspf test.yml" 14
  LABELS conformance spf)
add_authweight_test(conformance.senderid.rfc4406
  COMMAND spf_conformance mfrom ${SPF_SUITES}/mail-spf-perl/rfc4406-tests.yml "RFC 4406" 2
  LABELS conformance senderid)
add_authweight_test(conformance.senderid.iterator
  COMMAND spf_conformance iterator ${SPF_SUITES}/mail-spf-iterator/misc.yml "Mail::SPF::Iterator misc" 9
  LABELS conformance senderid)
add_authweight_test(conformance.senderid.pra
  COMMAND spf_conformance pra "RFC 4407 PRA" 17
  LABELS conformance senderid)

# The CLI with --dns-zone gives the suite's spf.result.
set(SPF_CLI_ZONES ${CMAKE_CURRENT_BINARY_DIR}/spf-cli-zones)
file(MAKE_DIRECTORY ${SPF_CLI_ZONES})
add_authweight_test(cli.spf.rfc7208
  COMMAND spf_cli_conformance $<TARGET_FILE:authweight-check> ${SPF_SUITES}/pyspf/rfc7208-tests.yml
          ${SPF_CLI_ZONES} "CLI RFC 7208" 203
  LABELS cli spf)
