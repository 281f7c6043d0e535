# End to end through a real MTA (issue 9): swaks -> Postfix (STARTTLS,
# private config directory, loopback) -> rspamd's milter proxy -> rspamd 3.4
# with authweight -> Postfix's decision. tests/e2e/postfix.sh says what it
# checks. It needs the hyperscan cache integration.startup leaves, and the
# CLI to compare the Authentication-Results value with.
add_authweight_test(e2e.postfix
  COMMAND ${PROJECT_SOURCE_DIR}/tests/e2e/postfix.sh ${PROJECT_BINARY_DIR}
  LABELS integration e2e)
set_tests_properties(e2e.postfix PROPERTIES FIXTURES_REQUIRED authweight_rspamd)
