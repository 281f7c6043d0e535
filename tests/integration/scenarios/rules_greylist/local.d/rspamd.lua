-- Content weight for the test: X-Test-Score: N adds N (rspamd's default
-- greylist action starts at 4, reject at 15), so both messages land where
-- rspamd would greylist them.
rspamd_config:register_symbol({
  name = 'TEST_CONTENT_SCORE',
  score = 1.0,
  callback = function(task)
    local n = tonumber(task:get_header('X-Test-Score') or '')
    if n then
      return true, n
    end
    return false
  end,
})
