# DKIM, DMARC, PSL and Authentication-Results (issue 4): conformance suites
# read in place from ../shared/testdata, and the CLI answering the same for
# every DKIM case with --dns-zone. Each runner prints "NAME: P passed,
# F failed" and fails below its floor; the failures left are listed in
# tests/conformance/KNOWN_FAILURES.md ("DKIM / DMARC").

find_package(yaml-cpp REQUIRED)

set(DKIM_CONFORMANCE_DIR ${CMAKE_CURRENT_SOURCE_DIR}/conformance)

function(authweight_dkim_runner name source)
  add_executable(${name} ${DKIM_CONFORMANCE_DIR}/${source})
  target_compile_options(${name} PRIVATE ${AUTHWEIGHT_WARNINGS})
  target_compile_definitions(${name} PRIVATE AUTHWEIGHT_TESTDATA="${AUTHWEIGHT_TESTDATA}")
  target_link_libraries(${name} PRIVATE authweight::adapters OpenSSL::Crypto ${ARGN})
endfunction()

authweight_dkim_runner(conformance_dkim dkim_conformance.cxx nlohmann_json::nlohmann_json)
authweight_dkim_runner(conformance_dmarc dmarc_conformance.cxx yaml-cpp)
authweight_dkim_runner(conformance_psl psl_conformance.cxx)
authweight_dkim_runner(conformance_arh arh_conformance.cxx)

# Floors: what the suites reach now; raise them, never lower them.
add_authweight_test(conformance.dkim.rfc_vectors
  COMMAND conformance_dkim --suite rfc-vectors --floor 2
  LABELS conformance dkim)
add_authweight_test(conformance.dkim.dkimpy
  COMMAND conformance_dkim --suite dkimpy --floor 79
  LABELS conformance dkim)
add_authweight_test(conformance.dkim.dkim_verifier
  COMMAND conformance_dkim --suite dkim_verifier --floor 31
  LABELS conformance dkim)
add_authweight_test(conformance.dkim.opendkim
  COMMAND conformance_dkim --suite opendkim --floor 11
  LABELS conformance dkim)
add_authweight_test(conformance.dkim.cli
  COMMAND conformance_dkim --suite all --cli $<TARGET_FILE:authweight-check> --floor 123
  LABELS conformance dkim cli)
add_authweight_test(conformance.dmarc.opendmarc
  COMMAND conformance_dmarc --suite opendmarc --floor 37
  LABELS conformance dmarc)
add_authweight_test(conformance.dmarc.mox
  COMMAND conformance_dmarc --suite mox --floor 63
  LABELS conformance dmarc)
add_authweight_test(conformance.psl.dmarc
  COMMAND conformance_psl --floor 78
  LABELS conformance dmarc)
add_authweight_test(conformance.arh.dkim_verifier
  COMMAND conformance_arh --floor 86
  LABELS conformance dkim)
