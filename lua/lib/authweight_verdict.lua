--[[
authweight_verdict: authweight's verdict for the admin's own rspamd rules
(doc/lua-rules.md): the selectors authweight_identity, authweight_aligned,
authweight_result and authweight_tls, the verdict table of a task, and the
dependency a rule declares to run after authweight's check.

The plugin stores a few compact facts per message in the task cache
(publish); everything else is built here, only when a rule asks. Without
those facts (authweight disabled, or it did not run for the message) every
function returns nil and every selector nothing.

Installed as /usr/share/rspamd/lualib/authweight_verdict.lua.
]]

local exports = {}

-- The callback a rule that reads the verdict must run after.
exports.CHECK_SYMBOL = 'AUTHWEIGHT_CHECK'

-- The task cache key of the facts (one table per message).
local CACHE_KEY = 'authweight_verdict'

-- Set by the plugin when it loads (enabled and configured).
local plugin = { loaded = false, trust_budget = nil }

--[[[
-- @function authweight_verdict.publish(task, facts)
-- The plugin's per-message facts: aligned (the From domain or false), ar
-- (the Authentication-Results value), ids (the authenticated identities),
-- reasons (symbol -> reason), tls ({version, cipher, source} or nil),
-- score (authweight's own total).
--]]
function exports.publish(task, facts)
  task:cache_set(CACHE_KEY, facts)
end

local function facts_of(task)
  local f = task:cache_get(CACHE_KEY)
  if type(f) == 'table' then
    return f
  end
  return nil
end

-- ---- Authentication-Results, as the plugin rendered it ---------------------------

-- Split an RFC 8601 value on the ';' outside quoted strings and comments;
-- each part's comments are returned apart, quoted strings unquoted.
local function ar_parts(value)
  local parts, cur, comments = {}, {}, {}
  local i, n = 1, #value
  local function flush()
    parts[#parts + 1] = { text = table.concat(cur), comments = comments }
    cur, comments = {}, {}
  end
  while i <= n do
    local c = value:sub(i, i)
    if c == '"' then
      local j = i + 1
      local buf = {}
      while j <= n do
        local d = value:sub(j, j)
        if d == '\\' and j < n then
          j = j + 1
          buf[#buf + 1] = value:sub(j, j)
        elseif d == '"' then
          break
        else
          buf[#buf + 1] = d
        end
        j = j + 1
      end
      -- A quoted value may hold spaces: keep it one word.
      cur[#cur + 1] = (table.concat(buf):gsub('%s', '\1'))
      i = j + 1
    elseif c == '(' then
      local depth, j = 1, i + 1
      local buf = {}
      while j <= n and depth > 0 do
        local d = value:sub(j, j)
        if d == '\\' and j < n then
          j = j + 1
          buf[#buf + 1] = value:sub(j, j)
        elseif d == '(' then
          depth = depth + 1
          buf[#buf + 1] = d
        elseif d == ')' then
          depth = depth - 1
          if depth > 0 then
            buf[#buf + 1] = d
          end
        else
          buf[#buf + 1] = d
        end
        j = j + 1
      end
      comments[#comments + 1] = table.concat(buf)
      cur[#cur + 1] = ' '
      i = j
    elseif c == ';' then
      flush()
      i = i + 1
    else
      cur[#cur + 1] = c
      i = i + 1
    end
  end
  flush()
  return parts
end

--[[[
-- @function authweight_verdict.parse_authentication_results(value)
-- The results of an Authentication-Results value authweight rendered.
-- @return {table} {spf = {result, domain, identity}, senderid = {result, pra},
--   dkim = {{result, domain, selector, algorithm}, ...} (empty for dkim=none,
--   which sets dkim_none),
--   dmarc = {result, policy, from_domain}, arc = {result} or nil}
--]]
function exports.parse_authentication_results(value)
  local out = { dkim = {} }
  local parts = ar_parts(value or '')
  for k = 2, #parts do -- the first part is the authserv-id
    local p = parts[k]
    local method, result
    local props = {}
    for word in p.text:gmatch('%S+') do
      local key, val = word:match('^([%w%.%-_]+)=(.*)$')
      if key then
        val = val:gsub('\1', ' ')
        if not method then
          method, result = key:lower(), val:lower()
        else
          props[key:lower()] = val
        end
      end
    end
    if method == 'spf' then
      local id = props['smtp.mailfrom'] or props['smtp.helo']
      out.spf = {
        result = result,
        identity = props['smtp.helo'] and 'helo' or 'mailfrom',
        domain = id and (id:match('@([^@]+)$') or id):lower() or nil,
      }
    elseif method == 'sender-id' then
      local pra
      for key, val in pairs(props) do
        if key:match('^header%.') then
          pra = val
        end
      end
      out.senderid = { result = result, pra = pra }
    elseif method == 'dkim' and result == 'none' then
      -- "dkim=none": no signature, so no entry (the report's dkim is []),
      -- but a result for authweight_result.
      out.dkim_none = true
    elseif method == 'dkim' then
      out.dkim[#out.dkim + 1] = {
        result = result,
        domain = props['header.d'],
        selector = props['header.s'],
        algorithm = props['header.a'],
      }
    elseif method == 'dmarc' then
      local policy
      for _, c in ipairs(p.comments) do
        policy = policy or c:match('p=(%a+)')
      end
      out.dmarc = { result = result, policy = policy, from_domain = props['header.from'] }
    elseif method == 'arc' then
      out.arc = { result = result }
    end
  end
  return out
end

local function results_of(f)
  if not f.parsed then
    f.parsed = exports.parse_authentication_results(f.ar)
  end
  return f.parsed
end

-- "method:result" for each method (one per distinct DKIM result), in the
-- order spf, senderid, dkim, dmarc, arc; only those of `method` if given.
local function result_list(f, method)
  local r = results_of(f)
  local out, seen = {}, {}
  local function add(m, res)
    if res and (not method or method == m) then
      local s = m .. ':' .. res
      if not seen[s] then
        seen[s] = true
        out[#out + 1] = s
      end
    end
  end
  add('spf', r.spf and r.spf.result)
  add('senderid', r.senderid and r.senderid.result)
  for _, d in ipairs(r.dkim) do
    add('dkim', d.result)
  end
  if r.dkim_none then
    add('dkim', 'none')
  end
  add('dmarc', r.dmarc and r.dmarc.result)
  add('arc', r.arc and r.arc.result)
  return out
end

-- ---- the verdict table -----------------------------------------------------------

--[[[
-- @function authweight_verdict.verdict(task)
-- authweight's verdict on the task, for a rule that depends on
-- authweight's check (authweight_verdict.register_dependency). Built on
-- each call; the fields are those of doc/lua-rules.md.
-- @return {table} the verdict, or nil when authweight did not run
--]]
function exports.verdict(task)
  local f = facts_of(task)
  if not f then
    return nil
  end
  local r = results_of(f)
  local v = {
    spf = r.spf,
    senderid = r.senderid,
    dkim = r.dkim,
    dmarc = r.dmarc,
    arc = r.arc,
    tls = f.tls and { version = f.tls[1], cipher = f.tls[2], source = f.tls[3] } or nil,
    aligned = f.aligned or nil,
    identities = f.ids,
    results = result_list(f),
    score = f.score,
    trust_budget = plugin.trust_budget,
    symbols = {},
  }
  -- The symbols as rspamd scored them (the admin's scores apply), with
  -- authweight's reason for each.
  local names, scores = task:get_symbols()
  for i, name in ipairs(names or {}) do
    if name:sub(1, 6) == 'AUTHW_' then
      local sym = task:get_symbol(name)
      local s = sym and sym[1] or {}
      v.symbols[#v.symbols + 1] = {
        name = name,
        score = scores[i],
        options = s.options or {},
        reason = f.reasons and f.reasons[name] or nil,
      }
      if name == 'AUTHW_TRUST_CAP' then
        v.trust_cap = scores[i]
      end
    end
  end
  table.sort(v.symbols, function(a, b) return a.name < b.name end)
  return v
end

--[[[
-- @function authweight_verdict.register_dependency(cfg, symbol)
-- Make the rule `symbol` run after authweight's check, so that it sees the
-- verdict and the selectors' values. Rules in rspamd.local.lua load before
-- every plugin: the request waits for the plugin, which registers it when
-- it loads. When authweight is not loaded (disabled, or its config was
-- rejected) nothing is registered and the rule runs with no verdict.
--]]
local pending = {}
function exports.register_dependency(cfg, symbol)
  if plugin.loaded then
    cfg:register_dependency(symbol, exports.CHECK_SYMBOL)
  else
    pending[#pending + 1] = symbol
  end
end

--[[[
-- @function authweight_verdict.plugin_loaded(cfg, settings)
-- Called by the plugin once its settings are checked and its check is
-- registered: the verdict reports its trust budget, and the rules that
-- asked to run after the check (register_dependency) now do.
-- @return {table} the names of those rules
--]]
function exports.plugin_loaded(cfg, settings)
  plugin.loaded = true
  plugin.trust_budget = settings.trust_budget
  local done = pending
  pending = {}
  for _, symbol in ipairs(done) do
    cfg:register_dependency(symbol, exports.CHECK_SYMBOL)
  end
  return done
end

-- ---- selectors -----------------------------------------------------------------

local function one_of(arg, allowed)
  return arg == nil or allowed[arg] ~= nil
end

local METHODS = { spf = true, senderid = true, dkim = true, dmarc = true, arc = true }
local TLS_PARTS = { version = 1, cipher = 2, source = 3 }

exports.selectors = {
  authweight_identity = {
    get_value = function(task)
      local f = facts_of(task)
      if f and f.ids and #f.ids > 0 then
        return f.ids, 'string_list'
      end
      return nil
    end,
    description = [[authweight's authenticated identities of the message: the domain of each
DKIM signature that passed and covers the From, the SPF-pass MAIL FROM domain
aligned with From, the Sender ID pass PRA domain (the identities reputation
keys on). Never the bare From. Nothing when authweight did not run.]],
  },
  authweight_aligned = {
    get_value = function(task)
      local f = facts_of(task)
      if f and f.aligned then
        return f.aligned, 'string'
      end
      return nil
    end,
    description = [[The From domain when authweight found aligned SPF or DKIM authentication
for it (AUTHW_ALIGNED); nothing otherwise.]],
  },
  authweight_result = {
    get_value = function(task, args)
      args = args or {}
      local f = facts_of(task)
      if not f or not one_of(args[1], METHODS) then
        return nil
      end
      local list = result_list(f, args[1])
      if #list > 0 then
        return list, 'string_list'
      end
      return nil
    end,
    description = [[authweight's result per method, as "method:result" (spf:pass, senderid:none,
dkim:fail, dmarc:pass, arc:pass): one per method, one per distinct DKIM
result, arc only for a message with ARC fields. An argument (spf, senderid,
dkim, dmarc, arc) keeps that method's only: `authweight_result('dkim')`.
Nothing when authweight did not run.]],
  },
  authweight_tls = {
    get_value = function(task, args)
      args = args or {}
      local f = facts_of(task)
      if not f or not f.tls or not one_of(args[1], TLS_PARTS) then
        return nil
      end
      if args[1] then
        local part = f.tls[TLS_PARTS[args[1]]]
        if part then
          return part, 'string'
        end
        return nil
      end
      return (f.tls[1] or 'TLS') .. ':' .. (f.tls[3] or ''), 'string'
    end,
    description = [[The TLS version of the connection and where the fact came from, as
"version:source" (TLSv1.3:mta; source mta for the TLS-Version header, received
for the Received header the MTA wrote). An argument (version, cipher, source)
returns that part only. Nothing without TLS, or when authweight did not run.]],
  },
}

--[[[
-- @function authweight_verdict.register_selectors(cfg)
-- Register the four selectors with rspamd's lua_selectors, once per Lua
-- state. Requiring this module does it; the authweight_selectors plugin
-- requires it before multimap, ratelimit and settings load, and Lua rules
-- (rspamd.local.lua), which load before every plugin, by requiring it.
-- @return {boolean} true when the selectors are registered
--]]
local registered = false
function exports.register_selectors(cfg)
  if registered then
    return true
  end
  local lua_selectors = require 'lua_selectors'
  local ok = true
  for _, name in ipairs({ 'authweight_identity', 'authweight_aligned', 'authweight_result', 'authweight_tls' }) do
    ok = lua_selectors.register_extractor(cfg, name, exports.selectors[name]) and ok
  end
  registered = ok
  return ok
end

if rawget(_G, 'rspamd_config') then
  exports.register_selectors(rawget(_G, 'rspamd_config'))
end

return exports
