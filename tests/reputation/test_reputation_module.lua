-- The reputation bindings of the Lua C module authweight_core, under LuaJIT
-- (rspamd) and Lua 5.4:
-- with lua-cjson from the system:
--   luajit tests/reputation/test_reputation_module.lua TMPDIR build/lua/5.1
local tmpdir = assert(arg and arg[1], "usage: test_reputation_module.lua TMPDIR [MODULE_DIR]")
if arg[2] then
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

local core = require("authweight_core")
-- The module speaks JSON text; lua-cjson encodes and decodes it here.
local cjson = require("cjson")
-- One store per interpreter: ctest runs the LuaJIT and Lua 5.4 tests side
-- by side, and a shared file would mix their counts.
local db = tmpdir .. "/lua-rep-" .. flavour:gsub("[^%w]", "_") .. ".mdb"
os.remove(db)
os.remove(db .. "-lock")

local ctx = assert(core.new(cjson.encode({ reputation = { lmdb_path = db, min_messages = 3 } })))

-- A sender that passes SPF, aligned with its From.
local zone = {
  ["example.org"] = { TXT = { "v=spf1 ip4:192.0.2.10 -all" }, A = { "192.0.2.10" } },
}
local message = "From: Friend <friend@example.org>\r\nTo: a@b.example\r\nSubject: hi\r\n"
  .. "Message-ID: <1@example.org>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nhello\r\n"
local facts = { ip = "192.0.2.10", helo = "mail.example.org", mail_from = "friend@example.org" }

local function evaluate_ev(ev)
  for _ = 1, 40 do
    local state, queries = ev:step()
    if state == "done" then return ev end
    for _, q in ipairs(queries) do
      local recs = zone[q.name] and zone[q.name][q.type]
      if recs then
        ev:answer(q.name, q.type, "ok", recs)
      else
        ev:answer(q.name, q.type, zone[q.name] and "nodata" or "nxdomain")
      end
    end
  end
  error("no verdict")
end

local function new_ev(f)
  return ctx:evaluate(cjson.encode(f), message)
end

local function evaluate(f)
  return evaluate_ev(assert(new_ev(f)))
end

local function report_of(e)
  return cjson.decode(e:report_json())
end

local function symbol(report, name)
  for _, s in ipairs(report.symbols) do
    if s.name == name then return s end
  end
end

local now = 1700000000
local ev = evaluate(facts)
local report = report_of(ev)
local ids = {}
for _, id in ipairs(report.reputation.identities) do ids[#ids + 1] = id.identity end
check(#ids == 1 and ids[1] == "example.org", "identities of an aligned SPF pass", table.concat(ids, ","))
local direct = ev:identities()
check(#direct == 1 and direct[1] == "example.org", "ev:identities()", table.concat(direct, ","))

-- The store, learning and lookup.
local store = assert(ctx:reputation_store())
check(tostring(store):find("authweight.rep", 1, true) ~= nil, "tostring")
local counts = cjson.decode(assert(store:lookup(ids, now)))
check(next(counts) == nil, "empty store")
for _ = 1, 3 do assert(store:learn(ids, "reject", now)) end
assert(store:learn(ids, "no action", now, true)) -- queued
counts = cjson.decode(assert(store:lookup(ids, now)))
check(counts["example.org"] and counts["example.org"].spam == 3 and counts["example.org"].ham == 0,
  "three rejects committed, the queued update not yet")
check(assert(store:flush()) == 1, "flush commits one identity")
counts = cjson.decode(assert(store:lookup(ids, now)))
check(counts["example.org"].ham == 1, "queued no action counted as ham")
check(store:learn(ids, "some custom action", now) == true, "an unknown action teaches nothing")

-- Scoring with what was looked up.
check(ev:set_reputation(cjson.encode(counts)) == "done", "set_reputation re-scores")
report = report_of(ev)
local bad = symbol(report, "AUTHW_REP_BAD")
check(bad and math.abs(bad.score - 4.0 * 0.75) < 1e-9, "AUTHW_REP_BAD scaled by the spam share",
  bad and bad.score)
-- Counts for an identity the message does not prove do nothing.
check(ev:set_reputation(cjson.encode({ ["other.example"] = { spam = 100, ham = 0 } })) == "done", "set other")
check(symbol(report_of(ev), "AUTHW_REP_BAD") == nil, "unproven identity ignored")
local okc, err = ev:set_reputation(cjson.encode({ ["Not A Domain"] = { spam = 1, ham = 0 } }))
check(okc == nil and type(err) == "string", "bad identity rejected", err)

-- ev:use_store: the store read and the counts scored in the step that
-- finishes the evaluation, the same score as lookup + set_reputation.
local attached = assert(new_ev(facts))
attached:use_store(store, now)
attached = evaluate_ev(attached)
local via_store = symbol(report_of(attached), "AUTHW_REP_BAD")
check(via_store and math.abs(via_store.score - 4.0 * 0.75) < 1e-9, "use_store scores like lookup + set_reputation",
  via_store and via_store.score)
check(select(5, attached:summary()) == nil, "no reputation_error from a working store")
check(not pcall(attached.use_store, attached, store, now), "use_store after stepping raises")
-- A store that cannot be read: scored without reputation, and says why.
local broken_store = assert(ctx:reputation_store(tmpdir .. "/no/such/dir/y.mdb"))
local unread = assert(new_ev(facts))
unread:use_store(broken_store, now)
unread = evaluate_ev(unread)
check(symbol(report_of(unread), "AUTHW_REP_BAD") == nil, "a failing store gives no AUTHW_REP_BAD")
local rerr = select(5, unread:summary())
check(type(rerr) == "string" and rerr:find("no/such/dir", 1, true) ~= nil, "reputation_error names the store", rerr)
broken_store:close()

-- Counts given with the facts score the same way.
local f2 = {}
for k, v in pairs(facts) do f2[k] = v end
f2.reputation = { ["example.org"] = { spam = 0, ham = 10 } }
local good = symbol(report_of(evaluate(f2)), "AUTHW_REP_GOOD")
check(good and good.score < 0, "AUTHW_REP_GOOD from facts")

-- A forged From (SPF fail from another IP) proves no identity.
local f3 = {}
for k, v in pairs(facts) do f3[k] = v end
f3.ip = "198.51.100.7"
f3.reputation = { ["example.org"] = { spam = 100, ham = 0 } }
local forged = report_of(evaluate(f3))
check(#forged.reputation.identities == 0 and symbol(forged, "AUTHW_REP_BAD") == nil, "forger not charged")

-- Redis helpers: the record layout, the lessons, the script.
local spam, ham = ctx:reputation_decode("\132\161v\1\164spam\5\163ham\0\162ts\206\101\83\241\0", now)
check(spam == 5 and ham == 0, "decode a cmsgpack record", spam)
local nd, nerr = ctx:reputation_decode("garbage", now)
check(nd == nil and nerr == "not a reputation record", "decode garbage", nerr)
local ls, lh = ctx:reputation_lesson("add header")
check(ls == 0.5 and lh == 0, "lesson of add header")
check(ctx:reputation_lesson("nonsense") == nil, "unknown verdict")
check(core.reputation_redis_script():find("cmsgpack.pack", 1, true) ~= nil, "redis script")
check(core.E_STORE == -6, "E_STORE")

-- A store that cannot be opened: nil, msg, code; never an error raised.
local broken = assert(ctx:reputation_store(tmpdir .. "/no/such/dir/x.mdb"))
local r, msg, code = broken:lookup(ids, now)
check(r == nil and code == core.E_STORE and msg:find("no/such/dir", 1, true), "unopenable store", msg)
r, msg, code = broken:learn(ids, "reject", now)
check(r == nil and code == core.E_STORE, "unopenable store learn", msg)
check(not pcall(store.lookup, store, { 1, 2 }, now), "ids must be strings")
store:close()
check(not pcall(store.lookup, store, ids, now), "closed handle raises")

os.remove(db)
os.remove(db .. "-lock")
print(string.format("reputation lua (%s): %d passed, %d failed", flavour, passed, failed))
os.exit(failed == 0 and 0 or 1)
