--[[
authweight_common: the pure helpers of the authweight rspamd plugin
(lualib/plugins/dmarc.lua style): no task, no I/O, so they run and are
tested outside rspamd under LuaJIT and Lua 5.4.

Installed as /usr/share/rspamd/lualib/authweight_common.lua.
]]

local exports = {}

-- ---------------------------------------------------------------------------
-- The config: schemas/authweight.schema.json is the only description of
-- the keys, and the library (core.new) the only reader of it: it checks
-- the section, names the offending key, and fills in the defaults
-- (ctx:config()). What UCL does to lists is undone here first.
-- ---------------------------------------------------------------------------

--[[[
-- @function authweight_common.ucl_lists(schema, value)
-- UCL writes a one-element list as a bare value (`whitelist = "a@b";`):
-- wrap such a value in a list wherever the schema wants an array.
-- @param {table} schema the schema node (decode(core.schema()))
-- @param {any} value the section, or a value in it
-- @return {any} the value, lists restored (a new table where one changed)
--]]
local function ucl_lists(node, value)
  if type(node) ~= 'table' then
    return value
  end
  if node.type == 'array' then
    if value ~= nil and type(value) ~= 'table' then
      return { value }
    end
    return value
  end
  if node.type == 'object' and type(value) == 'table' and type(node.properties) == 'table' then
    local out = {}
    for k, v in pairs(value) do
      out[k] = ucl_lists(node.properties[k], v)
    end
    return out
  end
  return value
end
exports.ucl_lists = ucl_lists

-- ---------------------------------------------------------------------------
-- JSON: libauthweight's documents (config, facts, reports, symbols, counts)
-- cross authweight_core as JSON text. The host's own library encodes and
-- decodes them: rspamd's ucl inside rspamd, lua-cjson elsewhere.
-- ---------------------------------------------------------------------------

local ucl_ok, ucl = pcall(require, 'ucl')
local cjson
if not ucl_ok or type(ucl) ~= 'table' or not ucl.to_format then
  ucl = nil
  cjson = require 'cjson'
end

-- JSON null decodes to a marker (ucl.null, cjson.null); the library's
-- documents mean "absent" by it, which is nil in Lua.
local function drop_nulls(v)
  if type(v) ~= 'table' then
    return v
  end
  for k, x in pairs(v) do
    local t = type(x)
    if t == 'table' then
      drop_nulls(x)
    elseif t ~= 'string' and t ~= 'number' and t ~= 'boolean' then
      v[k] = nil
    end
  end
  return v
end

--[[[
-- @function authweight_common.encode(value)
-- @param {table} value a config, facts or reputation counts
-- @return {string} its JSON text (an empty table may come out as {} or
--   []; the library reads either)
--]]
function exports.encode(value)
  if ucl then
    return ucl.to_format(value, 'json-compact')
  end
  return cjson.encode(value)
end

--[[[
-- @function authweight_common.decode(text)
-- @param {string} text JSON text from the library
-- @return {table} the value, nulls left out | nil, error
--]]
function exports.decode(text)
  if ucl then
    local parser = ucl.parser()
    local ok, err = parser:parse_string(text)
    if not ok then
      return nil, err
    end
    return drop_nulls(parser:get_object())
  end
  local ok, v = pcall(cjson.decode, text)
  if not ok then
    return nil, v
  end
  return drop_nulls(v)
end

local function deep_copy(v)
  if type(v) ~= 'table' then
    return v
  end
  local out = {}
  for k, x in pairs(v) do
    out[k] = deep_copy(x)
  end
  return out
end
exports.deep_copy = deep_copy

-- ---------------------------------------------------------------------------
-- Whitelist maps
-- ---------------------------------------------------------------------------

--[[[
-- @function authweight_common.is_map_url(entry)
-- Whitelist entries naming a map: file:///path, http(s)://... (the core
-- skips entries holding "://" and leaves them to the host).
--]]
function exports.is_map_url(entry)
  return type(entry) == 'string' and entry:find('://', 1, true) ~= nil
end

--[[[
-- @function authweight_common.parse_map(text, limit)
-- The entries of a whitelist map: one per line, the first word of the
-- line; '#' starts a comment. Words holding control characters are
-- dropped (no entry can have them). At most `limit` entries are kept.
-- @return {table} entries, {number} lines dropped past the limit
--]]
function exports.parse_map(text, limit)
  local out, dropped = {}, 0
  for line in string.gmatch(text .. '\n', '([^\n]*)\n') do
    line = line:gsub('#.*$', '')
    local word = line:match('^%s*(%S+)')
    if word and not word:find('%c') then
      if #out < limit then
        out[#out + 1] = word
      else
        dropped = dropped + 1
      end
    end
  end
  return out, dropped
end

-- ---------------------------------------------------------------------------
-- DNS
-- ---------------------------------------------------------------------------

-- librdns' rdns_strerror() texts; everything else is a temporary failure,
-- which is never punished (DESIGN principle 4).
local dns_errors = {
  ['no records with this name'] = 'nxdomain',
  ['requested record is not found'] = 'nodata',
}

--[[[
-- @function authweight_common.dns_status(err)
-- The core's status word for an rspamd resolver error text.
--]]
function exports.dns_status(err)
  return dns_errors[err] or 'tempfail'
end

--[[[
-- @function authweight_common.ptr_to_ip(name)
-- The address of a reverse name: "10.2.0.192.in-addr.arpa" -> "192.0.2.10",
-- 32-nibble ip6.arpa names -> the full IPv6 text. rspamd's resolve_ptr
-- wants the address, the core asks for the name.
-- @return {string} the address, or nil
--]]
function exports.ptr_to_ip(name)
  name = name:lower():gsub('%.$', '')
  local v4 = name:match('^([%d%.]+)%.in%-addr%.arpa$')
  if v4 then
    local o = {}
    for part in v4:gmatch('[^.]+') do
      local n = tonumber(part)
      if not n or n > 255 or #part > 3 then
        return nil
      end
      table.insert(o, 1, part)
    end
    return #o == 4 and table.concat(o, '.') or nil
  end
  local v6 = name:match('^([%x%.]+)%.ip6%.arpa$')
  if v6 then
    local nib = {}
    for part in v6:gmatch('[^.]+') do
      if #part ~= 1 then
        return nil
      end
      table.insert(nib, 1, part)
    end
    if #nib ~= 32 then
      return nil
    end
    local groups = {}
    for i = 1, 32, 4 do
      groups[#groups + 1] = table.concat(nib, '', i, i + 3)
    end
    return table.concat(groups, ':')
  end
  return nil
end

-- ---------------------------------------------------------------------------
-- TLS facts from a Received header, when the MTA gives none
-- ---------------------------------------------------------------------------

--[[[
-- @function authweight_common.tls_from_received(text)
-- Protocol version and cipher as the common MTAs write them:
--   Postfix   (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))
--   Sendmail  (version=TLSv1.2 cipher=ECDHE-RSA-AES256-GCM-SHA384 bits=256 verify=NO)
--   Exim      with esmtps (TLS1.2) tls TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
-- @return {string|nil} version, {string|nil} cipher
--]]
function exports.tls_from_received(text)
  if type(text) ~= 'string' then
    return nil, nil
  end
  local version, cipher = text:match('using%s+(%a+v?[%d%.]+)%s+with%s+cipher%s+([%w_%-]+)')
  if not version then
    version, cipher = text:match('version=(%a+v?[%d%.]+)%s+cipher=([%w_%-]+)')
  end
  if not version then
    version = text:match('[Ee][Ss][Mm][Tt][Pp][Ss][Aa]?%s+%((TLS[%w%.]*)%)')
    cipher = text:match('%stls%s+([%w_%-]+)')
  end
  return version, cipher
end

--[[[
-- @function authweight_common.cap(s, n)
-- Untrusted text for logs and symbol options: at most n bytes, one line
-- (the library's capper, authweight_text_cap).
--]]
function exports.cap(s, n)
  return require('authweight_core').cap(tostring(s or ''), n)
end

return exports
