--[[
Score one message with the authweight_core Lua module, outside rspamd: the
way any Lua 5.4 host (a milter, a proxy, a batch job) uses authweight.

  lua5.4 score.lua [OPTIONS] MESSAGE.eml

  --facts FILE          connection facts, one CLI option per line
                        (examples/messages/*.facts); default: MESSAGE.facts
                        next to the message, when no fact option is given
  --ip ADDR  --helo NAME  --hostname RDNS  --mail-from ADDR  --user U
  --tls-version V  --tls-cipher C
                        the same facts as authweight-check(1) options
  --config FILE         JSON config (authweight.schema.json); default:
                        ../config.json next to this script, if present
  --zone ZONE.json      answer DNS from a zone file (DESIGN.md's format);
                        default: ../messages/zone.json next to this
                        script, if present; "none" answers every query as
                        a temporary failure, as authweight-check does
                        without --dns
  --json                print the module's JSON report instead of the summary

With the package installed:

  cd /usr/share/doc/authweight/examples
  lua5.4 lua54/score.lua messages/friend-tls.eml

The module is found on Lua's cpath (/usr/lib/x86_64-linux-gnu/lua/5.4 for
the package; LUA_CPATH="build/lua/5.4/?.so;;" for a build tree). It takes
and gives JSON text; lua-cjson (Debian's lua-cjson) encodes the facts and
decodes the report and the zone file. The DNS loop
below is the whole protocol: evaluate, then step() until "done", answering
each query of a "need_dns" step from any resolver; here, the zone file.
A real host answers from its own asynchronous resolver instead.
Exit status: 0 with the summary, 2 for bad input.
]]

local function die(msg)
  io.stderr:write("score.lua: ", msg, "\n")
  os.exit(2)
end

local ok, core = pcall(require, "authweight_core")
if not ok then
  die("cannot load the authweight_core module (is the authweight package installed, or LUA_CPATH set?): "
      .. tostring(core))
end
local cjson_ok, cjson = pcall(require, "cjson")
if not cjson_ok then
  die("cannot load lua-cjson (apt-get install lua-cjson): " .. tostring(cjson))
end

local function read_file(path, what)
  local f, err = io.open(path, "rb")
  if not f then die("cannot read " .. what .. " " .. path .. ": " .. tostring(err)) end
  local s = f:read("*a")
  f:close()
  return s
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

-- ---- the zone: DESIGN.md's semantics, as core/adapters/zone_file.cxx ----------

local function normalize(name)
  return (name:gsub("%.$", "")):lower()
end

-- zone[name] = list of {type, value}; TXT values joined (one record).
local function load_zone(path)
  local okd, doc = pcall(cjson.decode, read_file(path, "zone file"))
  if not okd then die("zone file " .. path .. ": " .. tostring(doc)) end
  if type(doc) ~= "table" then die("zone file " .. path .. ": not a JSON object") end
  local zone = {}
  for name, rrs in pairs(doc) do
    if type(rrs) ~= "table" then die("zone file " .. path .. ": " .. name .. " is not a list") end
    local list = {}
    for _, rr in ipairs(rrs) do
      local t, v = rr[1], rr[2]
      if type(t) ~= "string" then die("zone file " .. path .. ": bad record under " .. name) end
      if type(v) == "table" then v = table.concat(v) end
      list[#list + 1] = { type = t:upper(), value = tostring(v or "") }
    end
    zone[normalize(name)] = list
  end
  return zone
end

local MAX_CNAME_HOPS = 8

-- Returns status, records; or nil for a query that goes unanswered (TIMEOUT).
local function zone_answer(zone, qname, qtype)
  local name = normalize(qname)
  local seen = {}
  for _ = 0, MAX_CNAME_HOPS do
    if seen[name] then break end
    seen[name] = true
    local node = zone[name]
    if node == nil then return "nxdomain" end
    local records, marker, cname = {}, nil, nil
    for _, rr in ipairs(node) do
      if rr.type == qtype then
        records[#records + 1] = rr.value
      elseif rr.type == "TIMEOUT" or rr.type == "SERVFAIL" then
        marker = marker or rr.type
      elseif rr.type == "CNAME" then
        cname = cname or rr.value
      end
    end
    if #records > 0 then return "ok", records end
    if marker == "TIMEOUT" then return nil end
    if marker == "SERVFAIL" then return "tempfail" end
    if cname == nil or qtype == "CNAME" then return "nodata" end
    name = normalize(cname)
  end
  return "tempfail" -- a CNAME loop or too long a chain
end

-- ---- arguments --------------------------------------------------------------

local fact_options = {
  ["--ip"] = "ip", ["--helo"] = "helo", ["--hostname"] = "hostname", ["--mail-from"] = "mail_from",
  ["--user"] = "user", ["--tls-version"] = "tls_version", ["--tls-cipher"] = "tls_cipher",
  ["--tls-source"] = "tls_source",
}

local script_dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
local opts = { facts = {}, given_facts = false }
local i = 1
while arg and i <= #arg do
  local a = arg[i]
  local flag, inline = a:match("^(%-%-[%w-]+)=(.*)$")
  flag = flag or a
  local function take()
    if inline then return inline end
    i = i + 1
    if arg[i] == nil then die("option " .. flag .. " needs a value") end
    return arg[i]
  end
  if fact_options[flag] then
    opts.facts[fact_options[flag]] = take()
    opts.given_facts = true
  elseif flag == "--facts" then
    opts.facts_file = take()
  elseif flag == "--config" then
    opts.config = take()
  elseif flag == "--zone" then
    opts.zone = take()
  elseif a == "--json" then
    opts.json = true
  elseif a == "--help" or a == "-h" then
    print("usage: lua5.4 score.lua [--facts FILE] [--ip ADDR] [--helo NAME] [--hostname RDNS]\n"
          .. "         [--mail-from ADDR] [--user U] [--tls-version V] [--tls-cipher C]\n"
          .. "         [--config FILE] [--zone ZONE.json|none] [--json] MESSAGE.eml")
    os.exit(0)
  elseif a:sub(1, 2) == "--" then
    die("unknown option " .. a)
  elseif opts.message then
    die("more than one message given")
  else
    opts.message = a
  end
  i = i + 1
end
if not opts.message then die("no message given (see --help)") end

-- Facts: a .facts file holds one option per line, the value after the first
-- space ("--mail-from " alone is the null sender).
local function read_facts(path, into)
  for line in (read_file(path, "facts file") .. "\n"):gmatch("([^\n]*)\n") do
    line = line:gsub("\r$", "")
    if line ~= "" then
      local flag, value = line:match("^(%S+) (.*)$")
      flag = flag or line
      if not fact_options[flag] then die(path .. ": unknown fact option " .. flag) end
      into[fact_options[flag]] = value or ""
    end
  end
end

local facts = {}
local facts_from = "options"
local facts_file = opts.facts_file
if not facts_file and not opts.given_facts then
  local guess = opts.message:gsub("%.eml$", "") .. ".facts"
  if guess ~= opts.message and exists(guess) then facts_file = guess end
end
if facts_file then
  read_facts(facts_file, facts)
  facts_from = facts_file
end
for k, v in pairs(opts.facts) do facts[k] = v end
if facts.tls_version and facts.tls_version ~= "" and not facts.tls_source then facts.tls_source = "mta" end
local message = read_file(opts.message, "message")

local config_path = opts.config
if not config_path and exists(script_dir .. "/../config.json") then config_path = script_dir .. "/../config.json" end
local zone_path = opts.zone
if not zone_path and exists(script_dir .. "/../messages/zone.json") then
  zone_path = script_dir .. "/../messages/zone.json"
end
if zone_path == "none" then zone_path = nil end
local zone = zone_path and load_zone(zone_path) or nil

-- ---- evaluate: the DNS loop ----------------------------------------------------

local ctx, cerr = core.new(config_path and read_file(config_path, "config") or nil)
if not ctx then die("config " .. tostring(config_path) .. ": " .. tostring(cerr)) end
local ev, eerr = ctx:evaluate(cjson.encode(facts), message)
if not ev then die("facts: " .. tostring(eerr)) end

local rounds, queries_asked = 0, 0
local MAX_STEPS = 64 -- the engine stops after max_dns_rounds itself
local finished = false
for _ = 1, MAX_STEPS do
  local state, queries = ev:step()
  if state == "done" then
    finished = true
    break
  end
  if state ~= "need_dns" then die("evaluation failed: " .. tostring(queries)) end
  rounds = rounds + 1
  for _, q in ipairs(queries) do
    queries_asked = queries_asked + 1
    if zone then
      local status, records = zone_answer(zone, q.name, q.type)
      if status then ev:answer(q.name, q.type, status, records) end
    else
      ev:answer(q.name, q.type, "tempfail")
    end
  end
end
if not finished then die("no verdict after " .. MAX_STEPS .. " steps") end

if opts.json then
  print(ev:report_json())
  ev:close()
  ctx:close()
  os.exit(0)
end

-- ---- the summary -----------------------------------------------------------------

local r = cjson.decode(ev:report_json())
local function verdict(score)
  -- The demo's reading of authweight's own score (examples/demo.sh); in
  -- rspamd the action comes from the total of all modules.
  if score >= 5 then return "hostile" end
  if score >= 2 then return "suspicious" end
  if score <= -2 then return "trusted" end
  return "neutral"
end
local function field(t, k)
  local v = t and t[k]
  if v == nil or v == cjson.null or v == false or v == "" then return "-" end
  return tostring(v)
end

print(string.format("%-9s %s", "message", opts.message))
print(string.format("%-9s %s", "facts", facts_from))
print(string.format("%-9s %s, %d round(s), %d query(ies)", "dns", zone_path or "none", rounds, queries_asked))
print(string.format("%-9s %s (%s %s)", "spf", field(r.spf, "result"), field(r.spf, "identity"), field(r.spf, "domain")))
print(string.format("%-9s %s (pra %s)", "senderid", field(r.senderid, "result"), field(r.senderid, "pra")))
if r.dkim and #r.dkim > 0 then
  for _, sig in ipairs(r.dkim) do
    print(string.format("%-9s %s (d=%s s=%s %s)", "dkim", field(sig, "result"), field(sig, "domain"),
                        field(sig, "selector"), field(sig, "algorithm")))
  end
else
  print(string.format("%-9s %s", "dkim", "none"))
end
print(string.format("%-9s %s (policy %s, from %s, spf aligned %s, dkim aligned %s)", "dmarc",
                    field(r.dmarc, "result"), field(r.dmarc, "policy"), field(r.dmarc, "from_domain"),
                    r.dmarc and r.dmarc.spf_aligned and "yes" or "no",
                    r.dmarc and r.dmarc.dkim_aligned and "yes" or "no"))
if field(r.tls, "version") == "-" then
  print(string.format("%-9s %s", "tls", "none"))
else
  print(string.format("%-9s %s %s", "tls", field(r.tls, "version"), field(r.tls, "cipher")))
end
print("symbols")
for _, s in ipairs(r.symbols or {}) do
  print(string.format("  %7.2f  %-25s %s", s.score, s.name, s.reason or ""))
end
print(string.format("%-9s %.2f", "score", r.score))
print(string.format("%-9s %s", "verdict", verdict(r.score)))
ev:close()
ctx:close()
