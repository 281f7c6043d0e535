-- The rspamd plugin's pure side, outside rspamd: the config goes to the
-- library as the plugin gives it (after undoing UCL's bare one-element
-- lists), which accepts and rejects it by schemas/authweight.schema.json,
-- naming the key, for every key the schema describes, and fills in the
-- defaults; and the plugin's helpers must do what they say.
--   luajit tests/integration/test_plugin_lib.lua SOURCE_DIR LUA51_MODULE_DIR
local src, moddir = arg[1], arg[2]
package.path = src .. '/lua/lib/?.lua;/usr/share/rspamd/lualib/?.lua;' .. package.path
package.cpath = moddir .. '/?.so;' .. package.cpath

local core = require 'authweight_core'
local awc = require 'authweight_common'

local passed, failed = 0, 0
local function check(cond, name, detail)
  if cond then
    passed = passed + 1
  else
    failed = failed + 1
    io.stderr:write('FAIL: ', name, detail and (' (' .. tostring(detail) .. ')') or '', '\n')
  end
end

local schema = awc.decode(core.schema())

local function describe(v)
  if type(v) == 'table' then
    local parts = {}
    for k, x in pairs(v) do
      parts[#parts + 1] = tostring(k) .. '=' .. describe(x)
    end
    table.sort(parts)
    return '{' .. table.concat(parts, ',') .. '}'
  end
  return tostring(v)
end

-- The library on one config, as the plugin hands it over; `want` is true
-- (valid) or false (invalid). A rejection must name `key`.
local function agree(cfg, want, key, what)
  local got, err = core.new(awc.encode(awc.ucl_lists(schema, cfg)))
  local label = what .. ' ' .. describe(cfg)
  check((got ~= nil) == want, (want and 'accepts ' or 'rejects ') .. label, err)
  if want == false and key then
    check(err and err:find(key, 1, true) ~= nil, 'the library names ' .. key, err)
  end
end

-- Wrap a value at a key path into a whole config.
local function at(path, value)
  local cfg = {}
  local t = cfg
  for i = 1, #path - 1 do
    t[path[i]] = {}
    t = t[path[i]]
  end
  t[path[#path]] = value
  return cfg
end

local wrong_value = {
  string = 42, number = 'six', integer = 'ten', boolean = 'yes', array = 7, object = 'x',
}

-- A value of none of the types a schema allows ("type" may be a list).
local function wrong_for(t)
  if type(t) ~= 'table' then
    return wrong_value[t]
  end
  local allowed = {}
  for _, name in ipairs(t) do
    allowed[name] = true
  end
  for _, v in ipairs({ 'x', 42, true, { 'x' } }) do
    local kind = ({ string = 'string', number = 'number', boolean = 'boolean', table = 'array' })[type(v)]
    if not allowed[kind] and not (kind == 'number' and allowed.integer) then
      return v
    end
  end
end

local keys_seen = 0
local function walk(node, path)
  for key, sub in pairs(node.properties or {}) do
    local p = {}
    for i, k in ipairs(path) do
      p[i] = k
    end
    p[#p + 1] = key
    local name = table.concat(p, '.')
    keys_seen = keys_seen + 1
    if sub.default ~= nil then
      agree(at(p, awc.deep_copy(sub.default)), true, nil, name .. ' default')
    end
    agree(at(p, wrong_for(sub.type)), false, key, name .. ' wrong type')
    if sub.enum then
      for _, v in ipairs(sub.enum) do
        agree(at(p, v), true, nil, name .. ' enum value')
      end
      agree(at(p, 'not-a-choice'), false, key, name .. ' outside the enum')
    end
    if sub.minimum then
      agree(at(p, sub.minimum), true, nil, name .. ' at its minimum')
      agree(at(p, sub.minimum - 0.5), false, key, name .. ' below its minimum')
    end
    if sub.maximum then
      agree(at(p, sub.maximum), true, nil, name .. ' at its maximum')
      agree(at(p, sub.maximum + 0.5), false, key, name .. ' above its maximum')
    end
    if sub.type == 'integer' and sub.minimum then
      agree(at(p, sub.minimum + 0.5), false, key, name .. ' not an integer')
    end
    if sub.type == 'array' and sub.items then
      agree(at(p, { wrong_value[sub.items.type] }), false, key, name .. ' item of the wrong type')
      if sub.items.minLength then
        agree(at(p, { '' }), false, key, name .. ' empty item')
      end
      -- UCL writes a one-element list as a bare value.
      if sub.items.type == 'string' then
        local got = awc.ucl_lists(schema, at(p, 'x.example'))
        local t = got
        for i = 1, #p do
          t = t and t[p[i]]
        end
        check(type(t) == 'table' and t[1] == 'x.example', name .. ': a bare string becomes a list')
        agree(at(p, 'x.example'), true, nil, name .. ' as a bare string')
      end
    end
    if sub.type == 'object' then
      agree(at(p, { no_such_key = 1 }), false, 'no_such_key', name .. ' unknown key')
      walk(sub, p)
    end
  end
end
walk(schema, {})
check(keys_seen >= 12, 'the walk saw every key', keys_seen)
agree({ no_such_key = true }, false, 'no_such_key', 'unknown top-level key')
agree({}, true, nil, 'empty config')
agree({ whitelist = {} }, true, nil, 'an empty list (an empty Lua table)')
agree({ whitelist = { 'friend@example.org', '@partner.example', '*.corp.example', 'file:///tmp/x.map' },
        protected_domains = { 'paypal.com' }, trust_budget = 4 }, true, nil, 'realistic config')

-- Defaults come from the schema, filled in by the library (ctx:config()).
local defaults = awc.decode(assert(core.new('{}')):config())
for key, sub in pairs(schema.properties) do
  if sub.default ~= nil and sub.type ~= 'object' then
    check(describe(defaults[key]) == describe(sub.default), 'default of ' .. key, describe(defaults[key]))
  end
end
check(defaults.trust_budget == 6.0, 'default trust budget', defaults.trust_budget)
check(core.new(awc.encode(defaults)) ~= nil, 'the library accepts its own defaults')
local partial = awc.decode(assert(core.new(awc.encode({ trust_budget = 3, reputation = {} }))):config())
check(partial.trust_budget == 3 and partial.reputation.backend == 'lmdb', 'defaults fill only what is absent')

-- Helpers -------------------------------------------------------------------

local ptr_cases = {
  { '10.2.0.192.in-addr.arpa', '192.0.2.10' },
  { '10.2.0.192.IN-ADDR.ARPA.', '192.0.2.10' },
  { '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', '2001:0db8:0000:0000:0000:0000:0000:0001' },
  { '256.2.0.192.in-addr.arpa', nil },
  { '2.0.192.in-addr.arpa', nil },
  { 'example.org', nil },
  { '1.0.ip6.arpa', nil },
}
for _, c in ipairs(ptr_cases) do
  check(awc.ptr_to_ip(c[1]) == c[2], 'ptr_to_ip ' .. c[1], awc.ptr_to_ip(c[1]))
end

local tls_cases = {
  { 'from a (a [192.0.2.1]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)) by mx',
    'TLSv1.3', 'TLS_AES_256_GCM_SHA384' },
  { 'from a by b (8.17.1/8.17.1) with ESMTPS id x (version=TLSv1.2 cipher=ECDHE-RSA-AES256-GCM-SHA384 bits=256 verify=NO)',
    'TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384' },
  { 'from a ([192.0.2.1]) by mx with esmtps (TLS1.2) tls TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (Exim 4.96)',
    'TLS1.2', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384' },
  { 'from a by mx with ESMTP id 1', nil, nil },
}
for _, c in ipairs(tls_cases) do
  local v, ci = awc.tls_from_received(c[1])
  check(v == c[2] and ci == c[3], 'tls_from_received: ' .. c[1]:sub(1, 40), tostring(v) .. ' ' .. tostring(ci))
end

local entries, dropped = awc.parse_map('# friends\nfriend@example.org\n\n  @partner.example  # a domain\n*.corp.example extra words\n', 10)
check(#entries == 3 and entries[1] == 'friend@example.org' and entries[2] == '@partner.example'
    and entries[3] == '*.corp.example' and dropped == 0, 'parse_map', describe(entries))
entries = awc.parse_map('ok@x.example\nbad\1word@x.example\n', 10)
check(#entries == 1 and entries[1] == 'ok@x.example', 'parse_map drops words with control characters')
entries, dropped = awc.parse_map('a@b.example\nc@d.example\ne@f.example', 2)
check(#entries == 2 and dropped == 1, 'parse_map keeps at most the limit')

check(awc.dns_status('no records with this name') == 'nxdomain', 'NXDOMAIN')
check(awc.dns_status('requested record is not found') == 'nodata', 'NOERROR without data')
for _, e in ipairs({ 'server fail', 'query timed out', 'query refused', 'network error', nil }) do
  check(awc.dns_status(e) == 'tempfail', 'temporary failure: ' .. tostring(e))
end

check(awc.is_map_url('file:///etc/x.map') and awc.is_map_url('https://h/x') and not awc.is_map_url('@x.example'),
    'map URLs')
check(awc.cap('a\nb' .. string.rep('x', 300), 10) == 'a bxxxxxxx...', 'cap', awc.cap('a\nb' .. string.rep('x', 300), 10))


-- authweight_verdict: the results read back from the Authentication-Results
-- value the core renders (quoted strings and comments may hold ';' and
-- 'method='), and the selectors over a task that holds the plugin's facts.
local awv = require 'authweight_verdict'
local ar = awv.parse_authentication_results(
    'authweight; spf=pass smtp.mailfrom=friend@example.org; sender-id=pass header.from=friend@example.org; '
    .. 'dkim=fail reason="body hash; dmarc=pass (x)" header.d=example.org header.s=sel1 header.a=rsa-sha256; '
    .. 'dkim=pass (no alignment credit) header.d=list.example header.s=s2; '
    .. 'dmarc=pass (p=reject pct=50) header.from=example.org; arc=fail reason="cv=fail"')
check(ar.spf.result == 'pass' and ar.spf.domain == 'example.org' and ar.spf.identity == 'mailfrom', 'A-R spf', describe(ar.spf))
check(ar.senderid.result == 'pass' and ar.senderid.pra == 'friend@example.org', 'A-R sender-id', describe(ar.senderid))
check(#ar.dkim == 2 and ar.dkim[1].result == 'fail' and ar.dkim[1].domain == 'example.org'
    and ar.dkim[1].algorithm == 'rsa-sha256' and ar.dkim[2].result == 'pass' and ar.dkim[2].selector == 's2',
    'A-R dkim, a quoted reason holding ";" and "dmarc=" is one value', describe(ar.dkim))
check(ar.dmarc.result == 'pass' and ar.dmarc.policy == 'reject' and ar.dmarc.from_domain == 'example.org',
    'A-R dmarc with its policy comment', describe(ar.dmarc))
check(ar.arc and ar.arc.result == 'fail', 'A-R arc', describe(ar.arc))
local helo = awv.parse_authentication_results('authweight; spf=none smtp.helo=mail.example.org')
check(helo.spf.identity == 'helo' and helo.spf.domain == 'mail.example.org' and helo.senderid == nil
    and #helo.dkim == 0 and helo.dmarc == nil, 'A-R without a message', describe(helo))

local nosig = awv.parse_authentication_results('authweight; spf=pass smtp.mailfrom=a@example.org; sender-id=none; '
    .. 'dkim=none; dmarc=fail (p=none) header.from=example.org')
check(#nosig.dkim == 0 and nosig.dkim_none and nosig.senderid.result == 'none' and nosig.dmarc.policy == 'none',
    'A-R dkim=none: no signature entry', describe(nosig))

local function fake_task(facts)
  local cache = { authweight_verdict = facts }
  return {
    cache_get = function(_, k) return cache[k] end,
    cache_set = function(_, k, v) cache[k] = v end,
    get_symbols = function() return { 'AUTHW_ALIGNED', 'R_SPF_ALLOW' }, { -1.0, -0.2 } end,
    get_symbol = function(_, n) return { { options = { n == 'AUTHW_ALIGNED' and 'example.org' or nil } } } end,
  }
end
local sel = awv.selectors
local empty = fake_task(nil)
for name, s in pairs(sel) do
  check(s.get_value(empty, {}) == nil, name .. ' returns nothing without facts')
  check(type(s.description) == 'string' and #s.description > 40, name .. ' is described')
end
check(awv.verdict(empty) == nil, 'no verdict without facts')
local t = fake_task({ aligned = 'example.org', ids = { 'example.org' }, reasons = { AUTHW_ALIGNED = 'aligned' },
  tls = { 'TLSv1.3', nil, 'mta' }, score = -1.5,
  ar = 'authweight; spf=pass smtp.mailfrom=a@example.org; sender-id=none; dkim=pass header.d=example.org; '
    .. 'dkim=pass header.d=other.example; dmarc=pass header.from=example.org' })
local v = sel.authweight_identity.get_value(t, {})
check(type(v) == 'table' and v[1] == 'example.org', 'authweight_identity', describe(v))
check(sel.authweight_aligned.get_value(t, {}) == 'example.org', 'authweight_aligned')
v = sel.authweight_result.get_value(t, {})
check(describe(v) == describe({ 'spf:pass', 'senderid:none', 'dkim:pass', 'dmarc:pass' }),
    'authweight_result: one per method, one per distinct DKIM result', describe(v))
check(describe(sel.authweight_result.get_value(t, { 'dkim' })) == describe({ 'dkim:pass' }), "authweight_result('dkim')")
check(sel.authweight_result.get_value(t, { 'arc' }) == nil, "authweight_result('arc') without ARC: nothing")
check(sel.authweight_result.get_value(t, { 'bogus' }) == nil, 'an unknown method: nothing')
check(sel.authweight_tls.get_value(t, {}) == 'TLSv1.3:mta', 'authweight_tls')
check(sel.authweight_tls.get_value(t, { 'cipher' }) == nil, "authweight_tls('cipher') unknown: nothing")
check(sel.authweight_tls.get_value(t, { 'source' }) == 'mta', "authweight_tls('source')")
local unaligned = fake_task({ aligned = false, ids = {},
  ar = 'authweight; spf=fail smtp.mailfrom=a@example.org; sender-id=fail header.from=a@example.org; dkim=none' })
check(describe(sel.authweight_result.get_value(unaligned, {})) == describe({ 'spf:fail', 'senderid:fail', 'dkim:none' }),
    'authweight_result of a message without DKIM signature', describe(sel.authweight_result.get_value(unaligned, {})))
check(#awv.verdict(unaligned).dkim == 0, 'the verdict of a message without DKIM signature: dkim is empty')
check(sel.authweight_aligned.get_value(unaligned, {}) == nil and sel.authweight_identity.get_value(unaligned, {}) == nil
    and sel.authweight_tls.get_value(unaligned, {}) == nil, 'a forger: no identity, no aligned domain, no TLS')
v = awv.verdict(t)
check(v and v.aligned == 'example.org' and v.spf.result == 'pass' and #v.dkim == 2 and v.score == -1.5
    and v.tls.version == 'TLSv1.3' and v.tls.source == 'mta' and #v.symbols == 1 and v.symbols[1].name == 'AUTHW_ALIGNED'
    and v.symbols[1].score == -1.0 and v.symbols[1].reason == 'aligned' and v.identities[1] == 'example.org',
    'the verdict table', describe(v))

print(string.format('plugin lib: %d passed, %d failed', passed, failed))
os.exit(failed == 0 and 0 or 1)
