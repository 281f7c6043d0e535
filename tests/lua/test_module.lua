-- The Lua C module authweight_core, run unmodified under LuaJIT (rspamd's
-- Lua 5.1 ABI) and Lua 5.4, with lua-cjson from the system.
--   luajit tests/lua/test_module.lua examples build/lua/5.1
--   lua5.4 tests/lua/test_module.lua examples build/lua/5.4
local examples = arg and arg[1]
if arg and arg[2] then
  package.cpath = arg[2] .. "/?.so;" .. package.cpath
end
local flavour = (rawget(_G, "jit") and jit.version) or _VERSION
local passed, failed = 0, 0

local function check(cond, name, detail)
  if cond then
    passed = passed + 1
  else
    failed = failed + 1
    io.stderr:write("FAIL: ", name, detail and (" (" .. tostring(detail) .. ")") or "", "\n")
  end
  return cond
end

local ok, core = pcall(require, "authweight_core")
if not check(ok and type(core) == "table", "require authweight_core", not ok and core or nil) then
  print(string.format("lua (%s): %d passed, %d failed", flavour, passed, failed))
  os.exit(1)
end

-- ---- helpers ----------------------------------------------------------------

-- The module takes and gives libauthweight's JSON documents as text; a
-- host encodes its tables with its own JSON library, here lua-cjson.
local cjson = require "cjson"

local function encode(t)
  return cjson.encode(t)
end

-- JSON text -> Lua, JSON null left out (an absent key).
local function decode(text)
  local function strip(v)
    if type(v) ~= "table" then return v end
    for k, x in pairs(v) do
      if x == cjson.null then v[k] = nil else strip(x) end
    end
    return v
  end
  return strip(cjson.decode(text))
end

local function new(config)
  return core.new(encode(config))
end

-- An evaluation of a facts table: its `message` as the message, the rest
-- as the facts' JSON.
local function evaluate(c, facts)
  if facts == nil then
    return c:evaluate()
  end
  local f = {}
  for k, v in pairs(facts) do
    if k ~= "message" then f[k] = v end
  end
  return c:evaluate(encode(f), facts.message)
end

local function has_symbol(report, name)
  for _, s in ipairs(report.symbols or {}) do
    if s.name == name then return s end
  end
  return nil
end

local function symbol_names(report)
  local t = {}
  for _, s in ipairs(report.symbols or {}) do t[#t + 1] = s.name end
  return table.concat(t, ",")
end

-- Answer from a zone: zone[name][TYPE] = {records}; a name absent from the
-- zone is NXDOMAIN, a type absent from a present name NODATA. The markers
-- of DESIGN.md's zone files: TIMEOUT leaves other types unanswered,
-- SERVFAIL answers them "tempfail".
local function answer_from(zone, ev, q)
  local node = zone[q.name]
  if node == nil then
    return ev:answer(q.name, q.type, "nxdomain")
  end
  local recs = node[q.type]
  if recs then
    return ev:answer(q.name, q.type, "ok", recs)
  end
  if node.TIMEOUT then return true end
  if node.SERVFAIL then return ev:answer(q.name, q.type, "tempfail") end
  return ev:answer(q.name, q.type, "nodata")
end

-- Drive the DNS loop to the end; returns the report, or nil and why.
local function run(ev, zone)
  for _ = 1, 40 do
    local st, queries = ev:step()
    if st == "done" then
      return decode(ev:report_json())
    end
    if st ~= "need_dns" then
      return nil, "step: " .. tostring(queries)
    end
    if type(queries) ~= "table" or #queries == 0 then
      return nil, "need_dns without queries"
    end
    for _, q in ipairs(queries) do
      if type(q.name) ~= "string" or type(q.type) ~= "string" then
        return nil, "malformed query"
      end
      answer_from(zone, ev, q)
    end
  end
  return nil, "no verdict after 40 rounds"
end

local function sum_scores(report)
  local s = 0
  for _, sym in ipairs(report.symbols or {}) do s = s + (sym.score or 0) end
  return s
end

-- The invariants every report must keep, whatever the message.
local function check_report(r, label, facts)
  if not check(type(r) == "table", label .. ": report is a table") then return end
  for _, k in ipairs({ "spf", "senderid", "dmarc", "tls" }) do
    check(type(r[k]) == "table", label .. ": report has " .. k)
  end
  check(type(r.dkim) == "table", label .. ": report has dkim (array)")
  check(type(r.symbols) == "table", label .. ": report has symbols")
  check(type(r.score) == "number", label .. ": report has a numeric score")
  if type(r.score) == "number" then
    check(math.abs(sum_scores(r) - r.score) < 1e-3, label .. ": score is the sum of the symbols",
          string.format("%g vs %g", sum_scores(r), r.score))
  end
  local tls = facts.tls_version and facts.tls_version ~= ""
  check((has_symbol(r, "AUTHW_TLS") ~= nil) == (tls and true or false),
        label .. ": AUTHW_TLS exactly when TLS facts are given", symbol_names(r))
  if has_symbol(r, "AUTHW_WL_AUTH") then
    -- aligned here, or before forwarding by a trusted ARC sealer's word
    check(r.dmarc and (r.dmarc.spf_aligned == true or r.dmarc.dkim_aligned == true)
          or (has_symbol(r, "AUTHW_ARC_TRUSTED") and r.arc and r.arc.result == "pass"),
          label .. ": AUTHW_WL_AUTH only with aligned authentication")
  end
  for _, s in ipairs(r.symbols or {}) do
    if s.name == "AUTHW_TLS" then
      check(s.score >= 0, label .. ": TLS never lowers the score")
    end
  end
end

-- ---- module surface ---------------------------------------------------------

check(type(core.version) == "string" and core.version:match("^%d+%.%d+%.%d+") ~= nil,
      "core.version is x.y.z", core.version)
check(core.OK == 0 and core.NEED_DNS == 1 and core.E_CONFIG < 0 and core.E_INPUT < 0,
      "return code constants")

local syms = decode(core.symbols())
local by_name = {}
check(type(syms) == "table" and #syms > 0, "symbols() is a non-empty array")
for _, s in ipairs(syms) do
  by_name[s.name] = s
  check(type(s.score) == "number" and type(s.dynamic) == "boolean"
        and type(s.auth_derived) == "boolean" and type(s.description) == "string",
        "symbol " .. tostring(s.name) .. " has all fields")
end
check(by_name.AUTHW_TLS ~= nil, "AUTHW_TLS is a symbol")
check(by_name.AUTHW_WL_AUTH and by_name.AUTHW_WL_AUTH.score == -4, "AUTHW_WL_AUTH scores -4")
check(by_name.AUTHW_WL_AUTH and by_name.AUTHW_WL_AUTH.auth_derived == true, "AUTHW_WL_AUTH is auth-derived")
check(by_name.AUTHW_TRUST_CAP and by_name.AUTHW_TRUST_CAP.dynamic == true, "AUTHW_TRUST_CAP is dynamic")
check(by_name.AUTHW_TLS and by_name.AUTHW_TLS.dynamic == false, "AUTHW_TLS is not dynamic")

local schema = core.schema()
check(type(schema) == "string" and schema:find('"trust_budget"', 1, true) ~= nil,
      "schema() is the config schema text")

-- ---- configuration ------------------------------------------------------------

do
  local ctx, msg, code = new({ trust_budgett = 1 })
  check(ctx == nil, "misspelt key is rejected")
  check(type(msg) == "string" and msg:find("trust_budgett", 1, true) ~= nil,
        "the message names trust_budgett", msg)
  check(code == core.E_CONFIG, "the code is E_CONFIG", code)

  ctx, msg, code = core.new('{"trust_budget": "lots"}')
  check(ctx == nil and type(msg) == "string" and msg:find("trust_budget", 1, true) ~= nil,
        "wrong type in a JSON string config is rejected", msg)
  check(code == core.E_CONFIG, "JSON config error code", code)

  ctx, msg = core.new("{not json")
  check(ctx == nil and type(msg) == "string", "malformed JSON config is rejected", msg)

  ctx, msg = core.new('{"whitelist": ["a@b.example", null, "c@d.example"]}')
  check(ctx == nil and type(msg) == "string" and msg:find("whitelist[1]", 1, true) ~= nil,
        "a null in a list is refused, naming its place", msg)

  ctx, msg = core.new('{"trust_budget": NaN}')
  check(ctx == nil and type(msg) == "string", "NaN is refused", msg)

  local c = core.new()
  check(c ~= nil, "core.new() with no config uses the defaults")
  if c then c:close() end
  c = core.new("{}")
  check(c ~= nil, "core.new('{}')")
  if c then c:close() end

  -- Empty containers take their kind from the schema, {} or [] alike
  -- (lua-cjson writes an empty table {}, rspamd's ucl []): whitelist is
  -- an array, reputation an object. 10.0 is an integer.
  for _, empty in ipairs({ "{}", "[]" }) do
    local text = ('{"whitelist": E, "protected_domains": E, "reputation": E, "trusted_authserv_ids": E, '
                  .. '"max_dns_rounds": 10.0, "unauthenticated_multiplier": 1.5, "trust_budget": 4}'):gsub("E", empty)
    c, msg = core.new(text)
    check(c ~= nil, "empty containers written " .. empty .. ", and integral floats", msg)
    if c then c:close() end
  end

  c, msg = new({ whitelist = { "friend@example.org" }, reputation = { backend = "none" } })
  check(c ~= nil, "nested object config", msg)
  if c then c:close() end

  check(not pcall(core.new, { trust_budget = 4 }), "a table as config raises: it is JSON text")
  check(not pcall(core.new, 42), "a number as config raises")
end

local config = {
  whitelist = { "friend@example.org", "@partner.example" },
  protected_domains = { "paypal.com" },
  trusted_arc_sealers = { "lists.example.net" },
  trust_budget = 6,
}
local ctx, cmsg = new(config)
check(ctx ~= nil, "config with whitelist and protected_domains", cmsg)
if not ctx then
  print(string.format("lua (%s): %d passed, %d failed", flavour, passed, failed))
  os.exit(1)
end
check(tostring(ctx):find("authweight.ctx", 1, true) ~= nil, "tostring(ctx)")

-- ---- an inline message ----------------------------------------------------------

local zone = {
  ["example.org"] = { A = { "192.0.2.10" }, MX = { "10 mail.example.org" },
                      TXT = { "v=spf1 ip4:192.0.2.10 -all" } },
  ["mail.example.org"] = { A = { "192.0.2.10" } },
  ["_dmarc.example.org"] = { TXT = { "v=DMARC1; p=quarantine" } },
  ["10.2.0.192.in-addr.arpa"] = { PTR = { "mail.example.org" } },
  ["23.100.51.198.in-addr.arpa"] = { PTR = { "198-51-100-23.dyn.pool.isp.example" } },
  ["198-51-100-23.dyn.pool.isp.example"] = { A = { "198.51.100.23" } },
}

local function message(from, subject)
  return table.concat({
    "From: " .. from,
    "To: you@recipient.example",
    "Subject: " .. subject,
    "Date: Thu, 26 Nov 2026 09:11:58 +0000",
    "Message-ID: <" .. tostring(os.time()) .. ".inline@example.org>",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Shall we meet at noon?",
    "",
  }, "\r\n")
end

local friend = {
  ip = "192.0.2.10", helo = "mail.example.org", hostname = "mail.example.org", fcrdns = true,
  mail_from = "friend@example.org", rcpt = { "you@recipient.example" },
  tls_version = "TLSv1.3", tls_cipher = "TLS_AES_256_GCM_SHA384", tls_source = "mta",
  message = message('"A Friend" <friend@example.org>', "Lunch on Friday?"),
}

do
  local ev, msg = evaluate(ctx, friend)
  check(ev ~= nil, "evaluate the friend's message", msg)
  if ev then
    check(not pcall(ev.report_json, ev), "report_json() before the evaluation is done raises")
    local r, why = run(ev, zone)
    check(r ~= nil, "friend: the DNS loop ends", why)
    if r then
      check_report(r, "friend", friend)
      check(r.spf.result == "pass", "friend: SPF pass", r.spf.result)
      check(r.dmarc.spf_aligned == true, "friend: SPF aligned")
      check(has_symbol(r, "AUTHW_WL_AUTH") ~= nil, "friend: whitelisted and authenticated", symbol_names(r))
      local tls = has_symbol(r, "AUTHW_TLS")
      check(tls ~= nil and r.tls.version == "TLSv1.3", "friend: AUTHW_TLS with the TLS facts")
      check(has_symbol(r, "AUTHW_BOTNET_TLS") == nil, "friend: no botnet mark")
      local js = ev:report_json()
      check(type(js) == "string" and js:sub(1, 1) == "{" and js:find('"spf"', 1, true) ~= nil,
            "report_json() is the JSON object")
      check(ev:step() == "done", "step() after done stays done")
      check(not pcall(ev.answer, ev, "example.org", "A", "ok", { "192.0.2.10" }),
            "answer() after done raises")
    end
    ev:close()
  end
end

do
  -- Same From, sent by a botnet host over TLS: no bonus.
  local forged = {
    ip = "198.51.100.23", helo = "[198.51.100.23]", mail_from = "friend@example.org",
    tls_version = "TLSv1.3", tls_cipher = "TLS_AES_128_GCM_SHA256",
    message = message('"A Friend" <friend@example.org>', "Urgent: invoice"),
  }
  local ev, msg = evaluate(ctx, forged)
  check(ev ~= nil, "evaluate the forged message", msg)
  if ev then
    local r, why = run(ev, zone)
    check(r ~= nil, "forged: the DNS loop ends", why)
    if r then
      check_report(r, "forged", forged)
      check(r.spf.result == "fail", "forged: SPF fail", r.spf.result)
      check(has_symbol(r, "AUTHW_WL_AUTH") == nil, "forged: no AUTHW_WL_AUTH without aligned authentication",
            symbol_names(r))
      check(has_symbol(r, "AUTHW_WL_FORGED") ~= nil, "forged: AUTHW_WL_FORGED", symbol_names(r))
      check(has_symbol(r, "AUTHW_TLS") ~= nil, "forged: AUTHW_TLS is still reported")
    end
  end
end

do
  -- Whitelisted From, but nothing authenticates (the domain publishes nothing).
  local unauth = {
    ip = "192.0.2.99", helo = "relay.partner.example", mail_from = "news@partner.example",
    message = message("news@partner.example", "Newsletter"),
  }
  local ev, msg = evaluate(ctx, unauth)
  check(ev ~= nil, "evaluate the unauthenticated whitelisted sender", msg)
  if ev then
    local r, why = run(ev, zone)
    check(r ~= nil, "unauth: the DNS loop ends", why)
    if r then
      check_report(r, "unauth", unauth)
      check(has_symbol(r, "AUTHW_WL_AUTH") == nil, "unauth: whitelist entry alone earns nothing",
            symbol_names(r))
      check(has_symbol(r, "AUTHW_WL_FORGED") == nil, "unauth: publishing nothing is no forgery",
            symbol_names(r))
      check(has_symbol(r, "AUTHW_TLS") == nil, "unauth: no TLS, no AUTHW_TLS")
    end
  end
end

do
  -- Other modules' authentication weight counts against the trust budget,
  -- given as a map and as an array.
  local facts = {}
  for k, v in pairs(friend) do facts[k] = v end
  facts.external = { WHITELIST_SENDER_DOMAIN = -10 }
  local ev, msg = evaluate(ctx, facts)
  check(ev ~= nil, "external as a map", msg)
  if ev then
    local r = run(ev, zone)
    local cap = r and has_symbol(r, "AUTHW_TRUST_CAP")
    check(cap ~= nil and cap.score > 0, "the trust budget caps -10 of external weight",
          r and symbol_names(r))
  end
  facts.external = { { name = "R_SPF_ALLOW", score = -0.2 } }
  ev, msg = evaluate(ctx, facts)
  check(ev ~= nil, "external as an array", msg)
  facts.external = { R_SPF_ALLOW = "lots" }
  ev, msg = evaluate(ctx, facts)
  check(ev == nil and type(msg) == "string" and msg:find("external", 1, true) ~= nil,
        "external with a non-number score is refused", msg)
end

do
  local ev, msg, code = evaluate(ctx, { ip = "999.1.1.1" })
  check(ev == nil and type(msg) == "string", "bad IP: nil, msg", msg)
  check(code == core.E_INPUT, "bad IP: E_INPUT", code)

  ev, msg, code = evaluate(ctx, { ip = "192.0.2.1", colour = "blue" })
  check(ev == nil and type(msg) == "string" and msg:find("colour", 1, true) ~= nil,
        "unknown facts key is named", msg)
  check(code == core.E_INPUT, "unknown facts key: E_INPUT", code)

  ev, msg = evaluate(ctx, { ip = 192 })
  check(ev == nil and type(msg) == "string" and msg:find("ip", 1, true) ~= nil, "ip must be a string", msg)
  ev, msg = evaluate(ctx, { rcpt = "you@recipient.example" })
  check(ev == nil and type(msg) == "string", "rcpt must be an array", msg)

  ev = evaluate(ctx, { rcpt = {} })
  check(ev ~= nil, "an empty rcpt table is an empty array")
  ev = ctx:evaluate()
  check(ev ~= nil, "evaluate() with no facts")
  if ev then
    local r, why = run(ev, zone)
    check(r ~= nil, "no facts: the DNS loop ends", why)
  end

  -- Control characters and ill-formed UTF-8 from the envelope: lua-cjson
  -- passes the bytes through, and the library takes them.
  ev, msg = evaluate(ctx, { ip = "192.0.2.10", helo = "bad\1\255\"\\name\n", mail_from = "\192@example.org" })
  check(ev ~= nil, "ill-formed UTF-8 and control characters in the facts are taken", msg)
  if ev then check(run(ev, zone) ~= nil, "odd bytes: the DNS loop ends") end

  -- The message is raw bytes, NULs included; the answer is a verdict or a
  -- clean refusal, never a crash.
  ev, msg = evaluate(ctx, { ip = "192.0.2.10", message = "From: a@example.org\r\n\r\nx\0y\r\n" })
  check(ev ~= nil or type(msg) == "string", "a message with a NUL byte")
  if ev then check(run(ev, zone) ~= nil, "NUL message: the DNS loop ends") end

  -- A message is a string, or a host's pointer (light userdata) and its
  -- length; nothing else stands in for one.
  check(not pcall(ctx.evaluate, ctx, "{}", io.stdout), "a message that is a full userdata raises")
  check(not pcall(ctx.evaluate, ctx, "{}", {}), "a message that is a table raises")
  check(not pcall(ctx.evaluate, ctx, "{}", cjson.null), "a pointer without a length raises")
  check(not pcall(ctx.evaluate, ctx, "{}", cjson.null, 5), "a NULL pointer with a length raises")
  check(not pcall(ctx.evaluate, ctx, "{}", cjson.null, -1), "a negative length raises")
  ev = ctx:evaluate("{}", cjson.null, 0)
  check(ev ~= nil, "a NULL pointer of length 0 is the empty message")

  -- The facts are read by the core's one facts reader: nested keys are
  -- named by their path.
  ev, msg = evaluate(ctx, { spf = { result = "pass", colour = "blue" } })
  check(ev == nil and msg == "unknown fact 'spf.colour'", "a nested unknown key is named by its path", msg)
  ev, msg = evaluate(ctx, { dmarc = { result = "pass", spf_aligned = "yes" } })
  check(ev == nil and msg == "'dmarc.spf_aligned': expected boolean, got string",
        "a nested wrong type is named by its path", msg)
  ev, msg = evaluate(ctx, { dkim = { { domain = "a.example", result = "pass" }, { result = "maybe" } } })
  check(ev == nil and tostring(msg):find("'dkim[1].result'", 1, true) ~= nil,
        "the bad DKIM entry is named by its index", msg)
  ev, msg = evaluate(ctx, { ip = "192.0.2.1", [2] = "x" })
  check(ev == nil and msg == "unknown fact '2'", "a mixed table's index is an unknown key", msg)
  ev, msg = evaluate(ctx, { reputation = { ["Bad Name"] = { spam = 1 } } })
  check(ev == nil and tostring(msg):find("not a lower-case domain name", 1, true) ~= nil,
        "reputation identities are checked", msg)
  ev, msg = evaluate(ctx, { rcpt = { "a@b.example", 7 } })
  check(ev == nil and msg == "'rcpt[1]': expected string, got integer", "rcpt entries must be strings", msg)
  ev = evaluate(ctx, { spf = {}, dkim = {}, dmarc = {}, external = {}, reputation = {}, rcpt = {} })
  check(ev ~= nil, "empty tables are empty objects and arrays alike")
  ev = ctx:evaluate('{"spf": [], "dkim": {}, "dmarc": [], "external": [], "reputation": [], "rcpt": {}}')
  check(ev ~= nil, "[] and {} are empty objects and arrays alike")

  ev, msg, code = ctx:evaluate("ip=1.2.3.4")
  check(ev == nil and tostring(msg):find("not valid JSON", 1, true) ~= nil and code == core.E_INPUT,
        "facts that are not JSON are refused", msg)
  check(not pcall(ctx.evaluate, ctx, { ip = "192.0.2.1" }), "facts as a table raise: they are JSON text")
end

do
  -- Bad answers are caller bugs: they raise.
  local ev = evaluate(ctx, { ip = "192.0.2.10", mail_from = "friend@example.org" })
  if check(ev ~= nil, "evaluate for answer checks") then
    check(not pcall(ev.answer, ev, "example.org", "TXT", "maybe"), "unknown status raises")
    check(not pcall(ev.answer, ev, "example.org", "AXFR", "ok", {}), "unknown type raises")
    check(not pcall(ev.answer, ev, "example.org", "TXT", "ok", { 1, 2 }), "non-string records raise")
    check(ev:answer("Example.ORG.", "txt", "ok", { "v=spf1 ip4:192.0.2.10 -all" }) == true,
          "answer() ahead of the query, any case")
    check(run(ev, zone) ~= nil, "pre-answered evaluation ends")
  end
end

-- ---- lifetime --------------------------------------------------------------------

do
  local c = new(config)
  local ev = evaluate(c, friend)
  c:close()
  check(not pcall(evaluate, c, friend), "evaluate on a closed ctx raises")
  local okc, err = pcall(evaluate, c, friend)
  check(not okc and tostring(err):find("closed", 1, true) ~= nil, "the error says the handle is closed", err)
  c:close() -- twice is harmless
  check(tostring(c):find("closed", 1, true) ~= nil, "tostring of a closed ctx")
  check(run(ev, zone) ~= nil, "an evaluation outlives the closing of its ctx")
  ev:close()
  check(not pcall(ev.step, ev), "step on a closed evaluation raises")
  check(not pcall(ev.report_json, ev), "report_json on a closed evaluation raises")
  ev:close()

  -- The collector: an evaluation keeps its ctx userdata alive.
  local ev2 = evaluate(new(config), friend)
  collectgarbage()
  collectgarbage()
  check(run(ev2, zone) ~= nil, "the ctx is not collected before its evaluation")
  ev2 = nil
  for _ = 1, 50 do
    local cc = new(config)
    evaluate(cc, friend)
  end
  collectgarbage()
  collectgarbage()
  check(true, "collecting unclosed handles")
  check(not pcall(new(config).evaluate, {}, "{}"), "a foreign self raises")
end

-- ---- examples/messages/*.eml ----------------------------------------------------

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

-- DESIGN.md's zone file -> zone[name][TYPE] = {records}
local function load_zone(path)
  local text = read_file(path)
  if not text then return nil end
  local okd, doc = pcall(cjson.decode, text)
  if not okd or type(doc) ~= "table" then return nil end
  local z = {}
  for name, rrs in pairs(doc) do
    local node = {}
    z[name:lower():gsub("%.$", "")] = node
    for _, rr in ipairs(rrs) do
      local t, v = rr[1], rr[2]
      if t == "TIMEOUT" or t == "SERVFAIL" then
        node[t] = true
      else
        if type(v) == "table" then v = table.concat(v) end
        node[t] = node[t] or {}
        table.insert(node[t], v)
      end
    end
  end
  return z
end

local option_key = {
  ["--ip"] = "ip", ["--helo"] = "helo", ["--hostname"] = "hostname", ["--mail-from"] = "mail_from",
  ["--tls-version"] = "tls_version", ["--tls-cipher"] = "tls_cipher", ["--user"] = "user",
}

local function load_facts(path)
  local facts = {}
  local text = read_file(path)
  if not text then return facts end
  for line in text:gmatch("[^\n]+") do
    local opt, val = line:match("^(%S+) ?(.*)$")
    if opt and option_key[opt] then facts[option_key[opt]] = val:gsub("\r$", "") end
  end
  return facts
end

-- What examples/messages/README.md says each message shows.
local expect = {
  ["friend-tls"] = { has = { "AUTHW_TLS", "AUTHW_WL_AUTH" } },
  ["friend-forged"] = { has = { "AUTHW_WL_FORGED", "AUTHW_BOTNET_TLS" }, lacks = { "AUTHW_WL_AUTH" } },
  ["paypal-forged"] = { has = { "AUTHW_FORGED_PROTECTED" } },
  ["paypal-lookalike"] = { has = { "AUTHW_LOOKALIKE" } },
  ["paypal-embedded"] = { has = { "AUTHW_LOOKALIKE" } },
  ["paypal-homograph"] = { has = { "AUTHW_LOOKALIKE" } },
  ["two-from"] = { lacks = { "AUTHW_WL_AUTH" } },
  ["legacy-tls"] = { has = { "AUTHW_TLS", "AUTHW_TLS_LEGACY" } },
  ["plain-newsletter"] = { lacks = { "AUTHW_TLS", "AUTHW_WL_AUTH" } },
  ["display-spoof"] = { has = { "AUTHW_DISPLAY_SPOOF", "AUTHW_SPF_PASS" } },
  ["list-trusted"] = { has = { "AUTHW_ARC_TRUSTED", "AUTHW_WL_AUTH", "AUTHW_SPF_FAIL" }, lacks = { "AUTHW_WL_FORGED" } },
  ["list-untrusted"] = { has = { "AUTHW_WL_FORGED" }, lacks = { "AUTHW_ARC_TRUSTED", "AUTHW_WL_AUTH" } },
}

if examples then
  local dir = examples .. "/messages"
  local ezone = load_zone(dir .. "/zone.json")
  local names = {}
  local p = io.popen and io.popen('ls "' .. dir:gsub('"', '\\"') .. '" 2>/dev/null')
  if p then
    for f in p:lines() do
      local n = f:match("^(.+)%.eml$")
      if n then names[#names + 1] = n end
    end
    p:close()
  end
  table.sort(names)
  if #names > 0 then
    check(ezone ~= nil, "examples: zone.json loads")
  end
  for _, n in ipairs(names) do
    local facts = load_facts(dir .. "/" .. n .. ".facts")
    facts.message = read_file(dir .. "/" .. n .. ".eml")
    local ev, msg = evaluate(ctx, facts)
    if check(ev ~= nil, n .. ": evaluate", msg) then
      local r, why = run(ev, ezone or zone)
      if check(r ~= nil, n .. ": the DNS loop ends", why) then
        check_report(r, n, facts)
        local e = expect[n] or {}
        for _, s in ipairs(e.has or {}) do
          check(has_symbol(r, s) ~= nil, n .. ": " .. s, symbol_names(r))
        end
        for _, s in ipairs(e.lacks or {}) do
          check(has_symbol(r, s) == nil, n .. ": no " .. s, symbol_names(r))
        end
      end
      ev:close()
    end
  end
end

-- ---- whole-message rules the rspamd postfilter applies ----------------------

do
  local st = decode(core.schema())
  check(type(st) == "table" and type(st.properties) == "table"
        and st.properties.trust_budget and st.properties.trust_budget.default == 6,
        "schema() is the config's JSON Schema")

  -- trust_cap: the friend's -6.7 of authentication, in rspamd's
  -- task:get_symbols() form: names and scores
  local names = { "AUTHW_WL_AUTH", "AUTHW_ALIGNED", "AUTHW_SPF_PASS", "AUTHW_DKIM_PASS", "AUTHW_SENDERID_PASS",
                  "R_SPF_ALLOW", "R_DKIM_ALLOW", "DMARC_POLICY_ALLOW", "TEST_CONTENT" }
  local scores = { -4, -1, -0.3, -0.3, -0.2, -0.2, -0.2, -0.5, 5 }
  local cap, vetoed = ctx:trust_cap(names, scores)
  check(type(cap) == "number" and math.abs(cap - 0.7) < 1e-9 and vetoed == nil, "trust_cap of the friend", cap)
  -- the same with content of +20: over veto_score, all 6.7 given back
  scores[#scores] = 20
  cap, vetoed = ctx:trust_cap(names, scores)
  check(math.abs(cap - 6.7) < 1e-9 and vetoed == "veto:score", "trust_cap of the friend's spam", cap, vetoed)
  cap = ctx:trust_cap({ "WHITELIST_DMARC", "R_SPF_ALLOW", "MIME_GOOD" }, { -7, -0.2, -0.1 })
  check(type(cap) == "number" and math.abs(cap - 1.2) < 1e-9, "trust_cap, WHITELIST_* prefix", cap)
  check(ctx:trust_cap({}, {}) == 0, "trust_cap of nothing")
  -- vetoes: a veto symbol, a member of a veto group, content at the host's reject threshold
  local veto
  cap, veto = ctx:trust_cap({ "CLAM_VIRUS", "R_SPF_ALLOW" }, { 0, -0.2 })
  check(math.abs(cap - 0.2) < 1e-9 and veto == "veto:CLAM_VIRUS", "trust_cap: veto symbol", cap, veto)
  cap, veto = ctx:trust_cap({ "AV_X", "R_SPF_ALLOW" }, { 1, -0.2 }, { AV_X = "other antivirus" })
  check(math.abs(cap - 0.2) < 1e-9 and veto == "veto:AV_X", "trust_cap: veto group", cap, veto)
  cap, veto = ctx:trust_cap({ "AV_X", "R_SPF_ALLOW" }, { 1, -0.2 }, { AV_X = "other" })
  check(cap == 0 and veto == nil, "trust_cap: another group vetoes nothing", cap, veto)
  cap, veto = ctx:trust_cap({ "CONTENT", "R_SPF_ALLOW" }, { 10.5, -0.2 }, nil, 10)
  check(math.abs(cap - 0.2) < 1e-9 and veto == "veto:score", "trust_cap: veto_score at the reject threshold", cap, veto)
  cap, veto = ctx:trust_cap({ "CONTENT", "R_SPF_ALLOW" }, { 10.5, -0.2 })
  check(cap == 0 and veto == nil, "trust_cap: without a host threshold veto_score is 15", cap, veto)
  check(not pcall(ctx.trust_cap, ctx, { "A" }, { 1 }, nil, "x"), "trust_cap: a reject score that is not a number raises")
  check(not pcall(ctx.trust_cap, ctx, { "A", "B" }, { -1 }), "trust_cap: names and scores must match")
  check(not pcall(ctx.trust_cap, ctx, { "X" }, { "1" }), "trust_cap: a score that is no number raises")
  check(not pcall(ctx.trust_cap, ctx, { "X" }, { 0 / 0 }), "trust_cap: NaN raises")
  check(not pcall(ctx.trust_cap, ctx, { X = -1 }), "trust_cap: a map without scores raises")
  check(not pcall(ctx.trust_cap, ctx, "R_SPF_ALLOW"), "trust_cap: not a table raises")

  -- unauth_strict: off in this context, on in another
  check(ctx:unauth_strict({ "TEST_PROMO" }, { 3 }, false, false) == 0, "unauth_strict is off at multiplier 1")
  local strict = new({ unauthenticated_multiplier = 2, unauthenticated_cap = 5 })
  check(strict ~= nil, "aggressive context")
  if strict then
    local x = strict:unauth_strict({ "TEST_PROMO", "MIME_GOOD" }, { 3, -0.1 }, false, false)
    check(type(x) == "number" and math.abs(x - 3) < 1e-9, "unauth_strict: (2-1) x 3", x)
    check(strict:unauth_strict({ "TEST_SPAM" }, { 20 }, false, false) == 5, "unauth_strict: capped")
    check(strict:unauth_strict({ "TEST_PROMO" }, { 3 }, true, false) == 0, "unauth_strict: aligned mail is exempt")
    check(strict:unauth_strict({ "TEST_PROMO" }, { 3 }, false, true) == 0, "unauth_strict: SMTP AUTH is exempt")
    check(strict:unauth_strict({ "AUTHW_SPF_FAIL" }, { 2 }, false, false) == 0,
          "unauth_strict: own symbols are not content")
    strict:close()
  end

  -- results given by another module (auth_source = "rspamd")
  local msg = "From: A Friend <friend@example.org>\r\nTo: you@recipient.example\r\n" ..
              "Subject: hi\r\n\r\nhello\r\n"
  local ev, emsg = evaluate(ctx, {
    ip = "203.0.113.9", helo = "mail.example.org", mail_from = "friend@example.org", message = msg,
    spf = { result = "pass", domain = "example.org", identity = "mailfrom" },
    dkim = {},
    dmarc = { result = "none", from_domain = "example.org", spf_aligned = true, dkim_aligned = false },
  })
  if check(ev ~= nil, "evaluate with given results", emsg) then
    local r = run(ev, zone)
    check(r and has_symbol(r, "AUTHW_SPF_PASS") ~= nil, "the given SPF pass is used", r and symbol_names(r))
    check(r and has_symbol(r, "AUTHW_DKIM_NONE") ~= nil, "an empty dkim table means no signatures",
          r and symbol_names(r))
    check(r and has_symbol(r, "AUTHW_WL_AUTH") ~= nil, "given aligned SPF earns the whitelist bonus",
          r and symbol_names(r))
    -- ev:summary() and ev:each_symbol(): the report's figures and symbols,
    -- read without JSON, options and reasons ready for rspamd: one line
    -- each, capped with "...", empty options left out.
    local function capped(s, n)
      s = s:gsub("%c", " ")
      return #s > n and s:sub(1, n) .. "..." or s
    end
    local aligned, score, rounds, ar, rep_err = ev:summary()
    check(aligned == true and type(rounds) == "number" and rep_err == nil, "summary() has aligned and dns_rounds")
    check(r and math.abs(score - r.score) < 1e-3, "summary() score is the report's", score)
    check(r and type(ar) == "string" and ar ~= "" and ar == r.authentication_results,
          "summary() has the report's Authentication-Results", ar)
    local seen = {}
    ev:each_symbol(4, 12, function(name, sym_score, reason, ...)
      seen[#seen + 1] = { name = name, score = sym_score, reason = reason, options = { ... } }
    end)
    check(r and #seen == #r.symbols, "each_symbol() yields every symbol of the report", #seen)
    local cut = false
    for i, sym in ipairs(seen) do
      local full = r and r.symbols[i] or { options = {} }
      check(sym.name == full.name and math.abs(sym.score - full.score) < 1e-3,
            "each_symbol() symbol " .. tostring(sym.name) .. " is the report's")
      check(sym.reason == capped(full.reason or "", 12), "capped reason of " .. sym.name, sym.reason)
      cut = cut or #(full.reason or "") > 12
      local opts = {}
      for _, o in ipairs(full.options or {}) do
        if o ~= "" then opts[#opts + 1] = capped(o, 4) end
      end
      check(table.concat(sym.options, "|") == table.concat(opts, "|"), "capped options of " .. sym.name,
            table.concat(sym.options, "|"))
    end
    check(cut, "some reason was long enough to be cut")
    check(not pcall(ev.each_symbol, ev, 4, 12), "each_symbol() needs a function")
    check(not pcall(ev.each_symbol, ev, 0, 12, print), "each_symbol() needs positive lengths")
    ev:close()
  end
  local bad, bmsg = evaluate(ctx, { spf = "pass" })
  check(bad == nil and type(bmsg) == "string" and bmsg:find("spf", 1, true) ~= nil,
        "spf must be a table", bmsg)
  bad, bmsg = evaluate(ctx, { dkim = { { result = "great" } } })
  check(bad == nil and type(bmsg) == "string" and bmsg:find("dkim", 1, true) ~= nil,
        "a bad DKIM result word is refused", bmsg)
end

ctx:close()
print(string.format("lua (%s): %d passed, %d failed", flavour, passed, failed))
os.exit(failed == 0 and 0 or 1)
