-- The integration tests' view of authweight's selectors (run_scenario.sh
-- selector-probe): one rule, after authweight's check, that evaluates
-- each selector as rspamd's modules do (lua_selectors) and inserts
-- AW_SEL_<NAME> with the values as options, and AW_SEL_NONE naming the
-- selectors that returned nothing.
local lua_selectors = require "lua_selectors"
local awv = require "authweight_verdict"

local SELECTORS = {
  { 'AW_SEL_IDENTITY', 'authweight_identity' },
  { 'AW_SEL_ALIGNED', 'authweight_aligned' },
  { 'AW_SEL_RESULT', 'authweight_result' },
  { 'AW_SEL_RESULT_DKIM', "authweight_result('dkim')" },
  { 'AW_SEL_TLS', 'authweight_tls' },
  { 'AW_SEL_TLS_SOURCE', "authweight_tls('source')" },
}

local closures = {}
for _, s in ipairs(SELECTORS) do
  closures[s[1]] = lua_selectors.create_selector_closure(rspamd_config, s[2], '', true)
  assert(closures[s[1]], 'selector ' .. s[2] .. ' does not compile')
end

local id = rspamd_config:register_symbol({
  name = 'AW_SEL_PROBE',
  type = 'callback',
  score = 0.0,
  flags = 'empty',
  callback = function(task)
    local none = {}
    for _, s in ipairs(SELECTORS) do
      local v = closures[s[1]](task)
      if v == nil or (type(v) == 'table' and #v == 0) then
        none[#none + 1] = s[2]
      else
        task:insert_result(s[1], 0.0, v)
      end
    end
    if #none > 0 then
      task:insert_result('AW_SEL_NONE', 0.0, none)
    end
  end,
})
for _, s in ipairs(SELECTORS) do
  rspamd_config:register_symbol({ name = s[1], type = 'virtual', parent = id, score = 0.0 })
end
rspamd_config:register_symbol({ name = 'AW_SEL_NONE', type = 'virtual', parent = id, score = 0.0 })
awv.register_dependency(rspamd_config, 'AW_SEL_PROBE')
