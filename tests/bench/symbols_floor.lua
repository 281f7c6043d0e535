--[[
symbols_floor: what the contract's symbols alone cost a whole rspamd, for
tests/bench/rspamd_ratio.sh. Loaded in place of lua/authweight.lua, it
registers the same symbols (names, group, scores, descriptions, from
authweight_core) and, for each message, inserts exactly the symbols and
options that authweight gave that message in the same run (recorded by
lib/load.py --record, by Message-ID, from the auth_source = "rspamd"
instance), and does nothing else: no facts, no evaluation, no DNS, no
postfilter. An rspamd with this plugin is the fastest any plugin that
publishes authweight's results can be.

    authweight { bench_symbols = "/path/symbols.json"; }
]]

local N = 'authweight'
local rspamd_logger = require "rspamd_logger"
local ucl = require "ucl"
local core = require "authweight_core"

local function symbol_defs()
  local parser = ucl.parser()
  assert(parser:parse_string(core.symbols()))
  return parser:get_object()
end

local opts = rspamd_config:get_all_opt(N) or {}
local parser = ucl.parser()
-- Without its symbols the floor would measure nothing: fail loudly (rspamd
-- logs "init of ... failed", which the benchmark scripts look for).
local ok, err = parser:parse_file(tostring(opts.bench_symbols))
if not ok then
  error(string.format('symbols_floor: cannot read bench_symbols %s: %s', opts.bench_symbols, err))
end
local recorded = parser:get_object()

local messages = 0
for _ in pairs(recorded) do
  messages = messages + 1
end

-- The recorded score is the symbol's score times the weight it was
-- inserted with (a dynamic symbol is scored 1; a symbol scored 0 has
-- weight 1, as in lua/authweight.lua).
local SCORES = {}
for _, def in ipairs(symbol_defs()) do
  SCORES[def.name] = def.dynamic and 1.0 or def.score
end

local function callback(task)
  local symbols = recorded[task:get_message_id()]
  if not symbols then
    return
  end
  for _, s in ipairs(symbols) do
    local name, score, options = s[1], s[2], s[3]
    local default = SCORES[name]
    task:insert_result(name, (default and default ~= 0) and score / default or 1.0, unpack(options))
  end
end

local cb_id = rspamd_config:register_symbol({
  name = 'AUTHWEIGHT_CHECK',
  type = 'callback',
  flags = 'fine,empty',
  group = N,
  score = 0.0,
  callback = callback,
})
for _, def in ipairs(symbol_defs()) do
  rspamd_config:register_symbol({
    name = def.name,
    type = 'virtual',
    parent = cb_id,
    group = N,
    score = def.dynamic and 1.0 or def.score,
    description = def.description,
  })
end
rspamd_logger.infox(rspamd_config, 'symbols_floor: the symbols of %s messages from %s',
    messages, opts.bench_symbols)
