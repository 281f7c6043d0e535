--[[
Copyright (c) 2026, the authweight authors

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
]]--

-- authweight: weighs what email authentication proves (TLS, SPF, Sender ID,
-- DKIM, authenticated whitelists) as bounded evidence. The decisions live in
-- the authweight_core Lua C module; this file only wires it into rspamd:
-- settings, facts from the task, DNS through rspamd's resolver, symbols,
-- and the trust-budget postfilter.

local N = 'authweight'

if confighelp then
  rspamd_config:add_example(nil, N,
      'Weighs what email authentication proves, with a trust budget',
      [[
authweight {
  # Whitelisted identities: user@example.com, @example.com, *.example.com,
  # or maps (file:///..., https://...) holding one entry per line.
  # An entry counts only with aligned SPF or DKIM authentication.
  whitelist = ["friend@example.org", "file:///etc/rspamd/local.d/authweight_whitelist.map"];
  # Brands whose forgery and look-alikes weigh heavily
  protected_domains = ["paypal.com"];
  # Most negative weight authentication may give a message (all modules)
  trust_budget = 6.0;
  # Other modules' authentication symbols counted against the budget
  trust_symbols = ["R_SPF_ALLOW", "R_DKIM_ALLOW", "DMARC_POLICY_ALLOW",
                   "DMARC_POLICY_ALLOW_WITH_FAILURES", "ARC_ALLOW", "WHITELIST_*"];
  # Aggressive mode for mail without aligned authentication (1.0 = off)
  unauthenticated_multiplier = 1.0;
  unauthenticated_cap = 5.0;
  # native: own SPF/DKIM/DMARC checks; rspamd: reuse rspamd's results
  auth_source = "native";
}
]])
  return
end

local rspamd_logger = require "rspamd_logger"
local rspamd_util = require "rspamd_util"
local lua_util = require "lua_util"
local ucl = require "ucl"
local awc = require "authweight_common"
local awv = require "authweight_verdict"

local core_ok, core = pcall(require, "authweight_core")
if not core_ok then
  rspamd_logger.errx(rspamd_config, 'cannot load the authweight_core Lua module (package.cpath %s): %s',
      package.cpath, core)
  lua_util.disable_module(N, 'fail')
  return
end

-- Limits of the DNS loop. The core stops after max_dns_rounds; the plugin
-- also stops waiting after a time limit under rspamd's task timeout, and
-- answers what is still missing as temporary failures (never punished).
local MAX_QUERIES = 64           -- DNS questions per message
local MAX_MAP_ENTRIES = 100000   -- entries kept from one whitelist map
local MAX_BAD_MAP_ENTRIES = 20   -- invalid map entries skipped before giving up
local OPTION_LEN = 100           -- bytes of untrusted text per symbol option
local REASON_LEN = 300           -- bytes of a symbol's reason

-- The symbols the postfilter sets over the whole message.
local POSTFILTER_SYMBOLS = {
  AUTHW_TRUST_CAP = true,
  AUTHW_UNAUTH_STRICT = true,
}

-- ---- settings ----------------------------------------------------------------

local opts = rspamd_config:get_all_opt(N) or {}
-- The section as rspamd read it (modules.d, local.d, override.d merged),
-- for admins and the integration tests.
rspamd_logger.infox(rspamd_config, '%s: config section %s', N, ucl.to_format(opts, 'json-compact'))
-- The library checks the section (naming the key it rejects) and fills in
-- the schema's defaults: settings are what it runs with.
local ctx, ctx_err = core.new(awc.encode(awc.ucl_lists(awc.decode(core.schema()), opts)))
if not ctx then
  rspamd_logger.errx(rspamd_config, 'invalid %s config: %s; module disabled', N, ctx_err)
  lua_util.disable_module(N, 'config')
  return
end
local settings = awc.decode(ctx:config())

-- Lists that may name maps (file://, http(s)://): their entries are loaded
-- by rspamd and given to the core with the list's other entries.
local MAP_KEYS = { 'whitelist', 'trusted_arc_sealers' }
local MAP_NAMES = { whitelist = 'whitelist', trusted_arc_sealers = 'trusted ARC sealers' }
local static_entries, map_urls = {}, {}
for _, key in ipairs(MAP_KEYS) do
  static_entries[key], map_urls[key] = {}, {}
  for _, entry in ipairs(settings[key]) do
    local list = awc.is_map_url(entry) and map_urls[key] or static_entries[key]
    list[#list + 1] = entry
  end
end
local static_whitelist = static_entries.whitelist

local dns_timeout = rspamd_config:get_dns_timeout() or 1.0
local task_timeout = 8.0
do
  local options = rspamd_config:get_all_opt('options') or {}
  local t = options.task_timeout
  if type(t) == 'string' then
    t = lua_util.parse_time_interval(t)
  end
  if type(t) == 'number' and t > 0 then
    task_timeout = t
  end
end
-- New DNS rounds start only within this budget; a round in flight ends
-- by itself within the resolver's timeout.
local time_limit = math.max(dns_timeout, math.min(4 * dns_timeout, task_timeout / 2))

-- ---- maps (whitelist, trusted_arc_sealers): the core matches, so a map load
-- ---- rebuilds the context --------------------------------------------------

local map_entries = {}   -- key .. ' ' .. url -> entries

-- The entries of `list` (for config key `key`) the core accepts, found by
-- bisection so a few bad lines in a large map cost a few dozen contexts,
-- not one per line.
local function split_valid(key, list, bad)
  if #bad > MAX_BAD_MAP_ENTRIES or #list == 0 then
    return {}
  end
  if core.new(awc.encode({ [key] = list })) then
    return list
  end
  if #list == 1 then
    bad[#bad + 1] = awc.cap(list[1], 100)
    return {}
  end
  local half = math.floor(#list / 2)
  local left, right = {}, {}
  for i, e in ipairs(list) do
    if i <= half then
      left[#left + 1] = e
    else
      right[#right + 1] = e
    end
  end
  local good = split_valid(key, left, bad)
  for _, e in ipairs(split_valid(key, right, bad)) do
    good[#good + 1] = e
  end
  return good
end

local function rebuild_context()
  local conf = awc.deep_copy(settings)
  local counts = {}
  for _, key in ipairs(MAP_KEYS) do
    local loaded = {}
    for _, url in ipairs(map_urls[key]) do
      for _, e in ipairs(map_entries[key .. ' ' .. url] or {}) do
        loaded[#loaded + 1] = e
      end
    end
    local bad = {}
    local good = split_valid(key, loaded, bad)
    if #bad > MAX_BAD_MAP_ENTRIES then
      rspamd_logger.errx(rspamd_config, '%s: %s maps not applied: more than %s invalid entries',
          N, MAP_NAMES[key], MAX_BAD_MAP_ENTRIES)
      return
    end
    if #bad > 0 then
      rspamd_logger.errx(rspamd_config, '%s: skipped invalid %s map entries: %s', N, MAP_NAMES[key],
          table.concat(bad, ', '))
    end
    for _, e in ipairs(good) do
      conf[key][#conf[key] + 1] = e
    end
    counts[#counts + 1] = string.format('%s: %d from maps, %d from the config', MAP_NAMES[key], #good,
        #static_entries[key])
  end
  local new_ctx, new_err = core.new(awc.encode(conf))
  if not new_ctx then
    rspamd_logger.errx(rspamd_config, '%s: maps not applied: %s', N, awc.cap(new_err, 300))
    return
  end
  ctx = new_ctx
  rspamd_logger.infox(rspamd_config, '%s: maps loaded (%s)', N, table.concat(counts, '; '))
end

for _, key in ipairs(MAP_KEYS) do
  for _, url in ipairs(map_urls[key]) do
    local map = rspamd_config:add_map({
      type = 'callback',
      url = url,
      description = 'authweight ' .. MAP_NAMES[key],
      callback = function(data)
        local entries, dropped = awc.parse_map(tostring(data), MAX_MAP_ENTRIES)
        if dropped > 0 then
          rspamd_logger.errx(rspamd_config, '%s: %s map %s: %s entries past the limit of %s ignored',
              N, MAP_NAMES[key], url, dropped, MAX_MAP_ENTRIES)
        end
        map_entries[key .. ' ' .. url] = entries
        rebuild_context()
      end,
    })
    if not map then
      rspamd_logger.errx(rspamd_config, 'invalid %s config: cannot add %s map %s; module disabled', N,
          MAP_NAMES[key], url)
      lua_util.disable_module(N, 'config')
      return
    end
  end
end

-- ---- reputation of authenticated identities (lib/authweight_reputation.lua) ----

local reputation
do
  local rep_ok, awr = pcall(require, 'authweight_reputation')
  if not rep_ok then
    rspamd_logger.errx(rspamd_config, 'invalid %s config: cannot load authweight_reputation '
        .. '(reputation.backend %s): %s; module disabled', N, settings.reputation.backend, awr)
    lua_util.disable_module(N, 'config')
    return
  end
  local rep_err
  reputation, rep_err = awr.new({
    N = N,
    core = core,
    ctx = function() return ctx end,
    settings = settings,
    path_given = type(opts.reputation) == 'table' and opts.reputation.lmdb_path ~= nil,
    dbdir = rspamd_paths and rspamd_paths['DBDIR'],
  })
  if rep_err then
    rspamd_logger.errx(rspamd_config, 'invalid %s config: %s; module disabled', N, rep_err)
    lua_util.disable_module(N, 'config')
    return
  end
end

-- ---- facts from the task ------------------------------------------------------

local function request_header(task, name)
  local h = task:get_request_header(name)
  if h then
    local s = tostring(h)
    if s ~= '' then
      return s
    end
  end
  return nil
end

local function ip_text(ip)
  if ip and ip:is_valid() then
    return ip:to_string()
  end
  return nil
end

--[[ TLS facts: the MTA's (rspamd's milter proxy fills TLS-Version and
     TLS-Cipher from Postfix's {tls_version} and {cipher}); without them,
     the ESMTPS mark of the Received header the MTA wrote for this
     connection. TLS never lowers a score, so a forged header gains nothing. ]]
local function tls_facts(task, facts)
  local version = request_header(task, 'TLS-Version')
  local cipher = request_header(task, 'TLS-Cipher')
  if version or cipher then
    facts.tls_version = version
    facts.tls_cipher = cipher
    facts.tls_source = 'mta'
    return
  end
  for _, h in ipairs(task:get_received_headers() or {}) do
    local flags = h.flags or {}
    if not flags.artificial then
      local rip = h.real_ip and ip_text(h.real_ip)
      if facts.ip and rip and rip ~= facts.ip then
        return -- not the header of this connection
      end
      if h.proto == 'esmtps' or h.proto == 'esmtpsa' or flags.ssl then
        local v, c = awc.tls_from_received(h.raw)
        facts.tls_version = v or 'TLS'
        facts.tls_cipher = c
        facts.tls_source = 'received'
      end
      return
    end
  end
end

local function envelope_from(task)
  local from = task:get_from('smtp')
  if type(from) == 'table' and from[1] then
    return from[1].addr or ''
  end
  return nil
end

-- The recipients' addresses: their domains are the receiver's own, for
-- display names that claim them.
local function envelope_rcpts(task)
  local out = {}
  for _, r in ipairs(task:get_recipients('smtp') or {}) do
    if type(r) == 'table' and r.addr and r.addr ~= '' then
      out[#out + 1] = r.addr
    end
  end
  return #out > 0 and out or nil
end

local function author_domain(task)
  local from = task:get_from('mime')
  if type(from) == 'table' and from[1] and not from[2] and from[1].domain and from[1].domain ~= '' then
    return from[1].domain:lower()
  end
  return nil
end

-- ---- auth_source = "rspamd": reuse rspamd's SPF, DKIM and DMARC -----------------

local SPF_SYMBOLS = {
  { 'R_SPF_ALLOW', 'pass' }, { 'R_SPF_FAIL', 'fail' }, { 'R_SPF_SOFTFAIL', 'softfail' },
  { 'R_SPF_NEUTRAL', 'neutral' }, { 'R_SPF_DNSFAIL', 'temperror' },
  { 'R_SPF_PERMFAIL', 'permerror' }, { 'R_SPF_NA', 'none' },
}
local DKIM_RESULTS = {
  allow = 'pass', reject = 'fail', tempfail = 'temperror',
  ['not found'] = 'permerror', ['bad record'] = 'permerror', ['permanent error'] = 'permerror',
}
local DMARC_SYMBOLS = {
  { 'DMARC_POLICY_ALLOW', 'pass' }, { 'DMARC_POLICY_ALLOW_WITH_FAILURES', 'pass' },
  { 'DMARC_POLICY_REJECT', 'fail' }, { 'DMARC_POLICY_QUARANTINE', 'fail' },
  { 'DMARC_POLICY_SOFTFAIL', 'fail' }, { 'DMARC_DNSFAIL', 'temperror' },
  { 'DMARC_BAD_POLICY', 'permerror' }, { 'DMARC_NA', 'none' },
}
local DMARC_POLICIES = { none = 'none', quarantine = 'quarantine', reject = 'reject' }

local function org_domain(d)
  return d and d ~= '' and rspamd_util.get_tld(d):lower() or nil
end

local function rspamd_results(task, facts)
  local spf_domain, identity = nil, 'mailfrom'
  if facts.mail_from and facts.mail_from ~= '' then
    spf_domain = facts.mail_from:match('@([^@]+)$')
  end
  if not spf_domain then
    spf_domain, identity = task:get_helo(), 'helo'
  end
  local spf = { result = 'none', domain = spf_domain and spf_domain:lower() or '', identity = identity }
  for _, s in ipairs(SPF_SYMBOLS) do
    if task:has_symbol(s[1]) then
      spf.result, spf.reason = s[2], 'rspamd ' .. s[1]
      break
    end
  end

  local dkim = {}
  for _, r in ipairs(task:get_dkim_results() or {}) do
    if r.domain then
      dkim[#dkim + 1] = {
        domain = r.domain:lower(),
        selector = r.selector or '',
        result = DKIM_RESULTS[r.result] or 'permerror',
        reason = r.fail_reason and awc.cap(r.fail_reason, OPTION_LEN) or nil,
      }
    end
  end

  -- Alignment is relaxed (RFC 7489 3.1), on rspamd's own organisational
  -- domains, as its dmarc module reads them.
  local from_domain = author_domain(task)
  local from_org = org_domain(from_domain)
  local dmarc = { result = 'none', from_domain = from_domain or '', spf_aligned = false, dkim_aligned = false }
  if from_org then
    dmarc.spf_aligned = spf.result == 'pass' and (spf.domain == from_domain or org_domain(spf.domain) == from_org)
    for _, d in ipairs(dkim) do
      if d.result == 'pass' and (d.domain == from_domain or org_domain(d.domain) == from_org) then
        dmarc.dkim_aligned = true
      end
    end
  end
  for _, s in ipairs(DMARC_SYMBOLS) do
    local sym = task:has_symbol(s[1]) and task:get_symbol(s[1])
    if sym then
      dmarc.result = s[2]
      for _, o in ipairs((sym[1] or {}).options or {}) do
        if DMARC_POLICIES[o] then
          dmarc.policy = DMARC_POLICIES[o]
        end
      end
      break
    end
  end

  facts.spf, facts.dkim, facts.dmarc = spf, dkim, dmarc
end

local function gather_facts(task)
  local facts = {
    ip = ip_text(task:get_from_ip()),
    helo = task:get_helo(),
    hostname = task:get_hostname(),
    user = task:get_user(),
    mail_from = envelope_from(task),
    rcpt = envelope_rcpts(task),
  }
  tls_facts(task, facts)
  local message
  if settings.auth_source == 'rspamd' and not task:get_header('ARC-Seal') then
    -- DKIM is rspamd's: the header block is all the core reads (a message
    -- whose header block ends without an empty line has an empty body).
    -- An ARC chain is the core's to verify, and its AMS signs the body.
    message = task:get_raw_headers()
    rspamd_results(task, facts)
  elseif settings.auth_source == 'rspamd' then
    message = task:get_content()
    rspamd_results(task, facts)
  else
    message = task:get_content()
  end
  return facts, message
end

-- A new evaluation of the task's facts (as JSON) and message, read in
-- place from rspamd's text (its pointer and length: the task owns the
-- bytes, and the core copies what it keeps). Returns the facts too.
local function evaluate(task)
  local facts, text = gather_facts(task)
  if text then
    return facts, ctx:evaluate(awc.encode(facts), text:ptr(), text:len())
  end
  return facts, ctx:evaluate(awc.encode(facts))
end

-- ---- results ---------------------------------------------------------------------

-- The contract's symbols with their default scores (registered below).
local SYMBOL_DEFS = awc.decode(core.symbols())

-- A symbol's weight is its score in the verdict over its contract default:
-- 1, except where the policy scales a symbol (AUTHW_REP_* by the identity's
-- share of spam or ham), so an admin's own score is scaled the same way.
local DEFAULT_SCORES = {}
for _, def in ipairs(SYMBOL_DEFS) do
  if not def.dynamic and def.score ~= 0 then
    DEFAULT_SCORES[def.name] = def.score
  end
end

local function symbol_weight(name, score)
  local default = DEFAULT_SCORES[name]
  if default then
    return score / default
  end
  return 1.0
end

--[[ The report's RFC 8601 Authentication-Results value, handed to the MTA in
     the milter reply: rspamd's proxy worker in milter mode inserts it into
     the message (order 1: below the MTA's own Received header, where
     milter_headers puts rspamd's); a /checkv2 client finds it under
     "milter". Headers claiming our authserv-id on the way in are the MTA's
     to strip (doc/postfix.md). ]]
local function add_authentication_results(task, value)
  if value ~= '' then
    task:set_milter_reply({
      add_headers = {
        ['Authentication-Results'] = {
          order = 1,
          value = lua_util.fold_header(task, 'Authentication-Results', value, ';'),
        },
      },
    })
  end
end

--[[ Symbols into the task straight from the evaluation (no table per
     symbol), the Authentication-Results value to the MTA; the evaluation
     is released at once (while its memory is still in the CPU's caches)
     rather than by the garbage collector. Symbol options stay short
     identifiers (a domain, an address, a TLS version): rspamd writes every
     option of every symbol into its log line. The reasons, one line each
     for humans, go to the reply's "messages" object under "authweight". ]]
local function publish(task, ev, ids, tls)
  local aligned, score, rounds, authentication_results, reputation_error = ev:summary()
  if reputation_error then
    reputation:fail(task, 'lookup', reputation_error)
  end
  task:cache_set('authweight_aligned', aligned)
  local reasons = {}
  local aligned_domain = false
  ev:each_symbol(OPTION_LEN, REASON_LEN, function(name, sym_score, reason, ...)
    if not POSTFILTER_SYMBOLS[name] then
      task:insert_result(name, symbol_weight(name, sym_score), ...)
      reasons[name] = reason
      if name == 'AUTHW_ALIGNED' then
        aligned_domain = (...) or false
      end
    end
  end)
  ev:close()
  task:append_message(reasons, N)
  add_authentication_results(task, authentication_results)
  -- What the admin's rules read (lib/authweight_verdict.lua): compact
  -- facts; the verdict table is built only when a rule asks for it.
  awv.publish(task, {
    aligned = aligned_domain,
    ar = authentication_results,
    ids = ids,
    reasons = reasons,
    tls = tls,
    score = score,
  })
  lua_util.debugm(N, task, 'verdict %s after %s DNS rounds', score, rounds)
end

-- The verdict, weighed by the reputation of the message's authenticated
-- identities when a store is configured and answers; without an answer
-- the message is scored as if there were no store.
local function finish(task, ev, tls)
  local ids = ev:identities()
  if not reputation or #ids == 0 then
    return publish(task, ev, ids, tls)
  end
  task:cache_set('authweight_identities', ids)
  reputation:apply(task, ev, ids, function()
    publish(task, ev, ids, tls)
  end)
end

-- ---- the DNS loop ------------------------------------------------------------------

local RESOLVER_TYPES = { A = 'a', AAAA = 'aaaa', MX = 'mx', TXT = 'txt', PTR = 'ptr', CNAME = 'cname' }

local function answer(ev, q, results, dns_err)
  if dns_err or type(results) ~= 'table' then
    return ev:answer(q.name, q.type, awc.dns_status(dns_err))
  end
  local recs = {}
  for _, r in ipairs(results) do
    if q.type == 'MX' then
      if type(r) == 'table' and r.name then
        recs[#recs + 1] = string.format('%d %s', tonumber(r.priority) or 0, r.name)
      end
    elseif q.type == 'A' or q.type == 'AAAA' then
      recs[#recs + 1] = r:to_string()
    else
      recs[#recs + 1] = tostring(r)
    end
  end
  if #recs == 0 then
    return ev:answer(q.name, q.type, 'nodata')
  end
  return ev:answer(q.name, q.type, 'ok', recs)
end

local function run(task, ev, on_done)
  -- A message whose answers the context's DNS cache holds is done at once.
  local state, queries = ev:step()
  if state == 'done' then
    return on_done(task, ev)
  end
  local st = { round = 0, sent = 0, done = false, start = rspamd_util.get_ticks() }
  local resolver = task:get_resolver()

  local function continue_evaluation()
    -- Each pass either finishes, or sends one round and returns; queries
    -- answered locally (limits) loop at once. The core's round limit
    -- bounds the passes.
    for _ = 1, settings.max_dns_rounds + 2 do
      if not state then
        state, queries = ev:step()
      end
      if state == 'done' then
        st.done = true
        on_done(task, ev)
        return
      end
      if state ~= 'need_dns' then
        st.done = true
        rspamd_logger.errx(task, '%s: evaluation failed: %s', N, queries)
        return
      end
      state = nil -- the next pass steps again
      st.round = st.round + 1
      local over_time = rspamd_util.get_ticks() - st.start > time_limit
      local pending, scheduling = 0, true
      local round = st.round
      for _, q in ipairs(queries) do
        local rtype = RESOLVER_TYPES[q.type]
        local name = q.name
        if rtype == 'ptr' then
          name = awc.ptr_to_ip(q.name)
        end
        local sent = false
        if not over_time and st.sent < MAX_QUERIES and rtype and name then
          st.sent = st.sent + 1
          pending = pending + 1
          sent = resolver:resolve(rtype, {
            task = task,
            name = name,
            forced = true,
            callback = function(_, _, results, dns_err)
              if st.done or st.round ~= round then
                return
              end
              answer(ev, q, results, dns_err)
              pending = pending - 1
              if pending == 0 and not scheduling then
                continue_evaluation()
              end
            end,
          })
          if not sent then
            pending = pending - 1
          end
        end
        if not sent then
          ev:answer(q.name, q.type, 'tempfail')
        end
      end
      scheduling = false
      if pending > 0 then
        return
      end
    end
    st.done = true
    rspamd_logger.errx(task, '%s: no verdict within the round limit', N)
  end

  continue_evaluation()
end

local function authweight_callback(task)
  local facts, ev, ev_err = evaluate(task)
  if not ev then
    rspamd_logger.infox(task, '%s: message not evaluated: %s', N, awc.cap(ev_err, 300))
    return
  end
  if reputation then
    reputation:attach(task, ev)
  end
  -- The TLS facts as given (for the authweight_tls selector).
  local tls = (facts.tls_version or facts.tls_cipher) and { facts.tls_version, facts.tls_cipher, facts.tls_source }
  run(task, ev, function(t, e)
    finish(t, e, tls)
  end)
end

-- ---- postfilter: trust budget, vetoes and aggressive mode over every module ---------

-- "group:NAME" entries of veto_symbols: symbol -> its veto groups
-- (space-separated), and the reject threshold for veto_score = true. Read
-- at the first message, when every module has registered its symbols.
local veto_groups, reject_score
local function veto_inputs()
  if not veto_groups then
    veto_groups = {}
    for _, entry in ipairs(settings.veto_symbols) do
      local group = entry:match('^group:(.+)$')
      for _, sym in ipairs(group and rspamd_config:get_group_symbols(group) or {}) do
        veto_groups[sym] = veto_groups[sym] and (veto_groups[sym] .. ' ' .. group) or group
      end
    end
    reject_score = rspamd_config:get_action('reject')
  end
  return veto_groups, reject_score
end

local function authweight_postfilter(task)
  local names, scores = task:get_symbols()
  if type(names) ~= 'table' then
    return
  end
  local sel_names, sel_scores, negative = {}, {}, 0
  for i, name in ipairs(names) do
    local score = scores[i]
    if not POSTFILTER_SYMBOLS[name] and type(score) == 'number' then
      sel_names[#sel_names + 1] = name
      sel_scores[#sel_scores + 1] = score
      if score < 0 then
        negative = negative + score
      end
    end
  end
  local aligned = task:cache_get('authweight_aligned')
  if settings.unauthenticated_multiplier > 1.0 and aligned ~= nil then
    local extra = ctx:unauth_strict(sel_names, sel_scores, aligned, task:get_user() ~= nil)
    if extra and extra > 0 then
      task:insert_result('AUTHW_UNAUTH_STRICT', extra,
          string.format('unauthenticated multiplier %.2f', settings.unauthenticated_multiplier))
    end
  end
  -- No negative weight at all: no bonus to cap, nothing a veto could take.
  if negative >= 0 then
    return
  end
  local groups, reject = veto_inputs()
  local cap, veto = ctx:trust_cap(sel_names, sel_scores, groups, reject)
  if not cap then
    rspamd_logger.errx(task, '%s: trust budget not applied: %s', N, veto)
  elseif cap > 0 then
    task:insert_result('AUTHW_TRUST_CAP', cap, veto or string.format('trust budget %.2f', settings.trust_budget))
  end
end

-- ---- explicit feedback: rspamc learn_spam / learn_ham ------------------------------

--[[ rspamd 3.4 runs no filter, postfilter or idempotent symbol for the
     controller's learn requests (RSPAMD_TASK_PROCESS_LEARN); the only Lua
     hook there is a classifier's learn_condition, which an admin points
     here (doc/reputation.md). The message is evaluated from scratch,
     DNS included, and its identities learn the verdict at once. rspamd
     calls learn_condition again once the async work is done: once per task. ]]
local function learn_explicit(task, is_spam, is_unlearn)
  if not reputation or is_unlearn or task:cache_get('authweight_learning') then
    return
  end
  task:cache_set('authweight_learning', true)
  local verdict = is_spam and 'spam' or 'ham'
  local _, ev, ev_err = evaluate(task)
  if not ev then
    rspamd_logger.infox(task, '%s: message not learned: %s', N, awc.cap(ev_err, 300))
    return
  end
  run(task, ev, function(_, done)
    local ids = done:identities()
    done:close()
    rspamd_logger.infox(task, '%s: learning %s for %s identities', N, verdict, #ids)
    reputation:learn(task, ids, verdict, true)
  end)
end

-- ---- registration --------------------------------------------------------------------

local cb_id = rspamd_config:register_symbol({
  name = 'AUTHWEIGHT_CHECK',
  type = 'callback',
  flags = 'fine,empty',
  group = N,
  score = 0.0,
  callback = authweight_callback,
  augmentations = { string.format('timeout=%f', time_limit + 2 * dns_timeout) },
})

local post_id = rspamd_config:register_symbol({
  name = 'AUTHWEIGHT_POSTFILTER',
  type = 'postfilter',
  -- ignore_passthrough: a forced action (ratelimit's or greylist's soft
  -- reject) stops rspamd's other checks, but the score it logs and
  -- reports stays within the budget.
  flags = 'empty,ignore_passthrough',
  -- Last among postfilters: the budget caps what every module added.
  priority = lua_util.symbols_priorities.top,
  callback = authweight_postfilter,
})

for _, def in ipairs(SYMBOL_DEFS) do
  rspamd_config:register_symbol({
    name = def.name,
    type = 'virtual',
    parent = POSTFILTER_SYMBOLS[def.name] and post_id or cb_id,
    group = N,
    -- A dynamic symbol's weight is its score: it is inserted with the
    -- computed value and scored 1.
    score = def.dynamic and 1.0 or def.score,
    description = def.description,
  })
end

if settings.auth_source == 'rspamd' then
  -- Sender ID stays native; SPF, DKIM and DMARC come from rspamd's modules,
  -- which must be enabled.
  for _, dep in ipairs({ 'SPF_CHECK', 'DKIM_CHECK', 'DMARC_CALLBACK' }) do
    rspamd_config:register_dependency('AUTHWEIGHT_CHECK', dep)
  end
end

--[[ Rules that read authweight's selectors run after its check, without the
     admin naming it: multimap and rspamd reputation rules whose selector
     names one, and ratelimit's check when a rate's selector does. A
     prefilter cannot wait for a filter (rspamd runs the stages in order),
     so ratelimit must run as a filter (prefilter = false) and settings
     rules, which are chosen in a prefilter, never see authweight's facts:
     both are logged once. Rules in Lua declare it themselves
     (authweight_verdict.register_dependency). Modules switched off are
     skipped: rspamd logs a dependency of a symbol that does not exist. ]]
local function uses_selectors(v)
  if type(v) == 'string' then
    return v:find('authweight_', 1, true) ~= nil
  end
  if type(v) == 'table' then
    for _, x in pairs(v) do
      if uses_selectors(x) then
        return true
      end
    end
  end
  return false
end

local function register_rule_dependencies()
  local deps = {}
  for _, sym in ipairs(awv.plugin_loaded(rspamd_config, settings)) do
    deps[#deps + 1] = 'lua ' .. sym
  end
  local function section(name)
    local opts = rspamd_config:get_all_opt(name)
    if type(opts) == 'table' and opts.enabled ~= false then
      return opts
    end
    return {}
  end
  for key, rule in pairs(section('multimap')) do
    if type(rule) == 'table' and rule.type and rule.enabled ~= false and uses_selectors(rule.selector) then
      local sym = type(rule.symbol) == 'string' and rule.symbol or key
      rspamd_config:register_dependency(sym, awv.CHECK_SYMBOL)
      deps[#deps + 1] = 'multimap ' .. sym
    end
  end
  -- rspamd's reputation plugin: a rule's symbol is its `symbol`, else its
  -- selector's `symbol`, else its name (reputation.lua, parse_rule).
  local rep = section('reputation')
  for name, rule in pairs(type(rep.rules) == 'table' and rep.rules or {}) do
    if type(rule) == 'table' and uses_selectors(rule.selector) then
      local sym = rule.symbol
      if type(sym) ~= 'string' then
        for _, sel in pairs(type(rule.selector) == 'table' and rule.selector or {}) do
          sym = type(sel) == 'table' and type(sel.symbol) == 'string' and sel.symbol or sym
        end
      end
      sym = type(sym) == 'string' and sym or name
      rspamd_config:register_dependency(sym, awv.CHECK_SYMBOL)
      deps[#deps + 1] = 'reputation ' .. sym
    end
  end
  local rl = section('ratelimit')
  if uses_selectors(rl.rates) then
    if rl.prefilter == false then
      rspamd_config:register_dependency('RATELIMIT_CHECK', awv.CHECK_SYMBOL)
      deps[#deps + 1] = 'ratelimit RATELIMIT_CHECK'
    else
      rspamd_logger.errx(rspamd_config, '%s: ratelimit uses authweight selectors but runs as a prefilter, '
          .. 'before authweight: they return nothing there; set prefilter = false in local.d/ratelimit.conf', N)
    end
  end
  local in_settings = false
  for _, rule in pairs(section('settings')) do
    in_settings = in_settings or (type(rule) == 'table' and uses_selectors(rule.selector))
  end
  if in_settings then
    rspamd_logger.errx(rspamd_config, '%s: settings rules use authweight selectors, but rspamd chooses settings '
        .. 'in a prefilter, before authweight: they return nothing there (doc/lua-rules.md: settings)', N)
  end
  if #deps > 0 then
    rspamd_logger.infox(rspamd_config, '%s: rules run after %s: %s', N, awv.CHECK_SYMBOL, table.concat(deps, ', '))
  end
end
register_rule_dependencies()

rspamd_logger.infox(rspamd_config, '%s %s: %s whitelist entries and %s maps, %s protected domains, '
    .. 'trust budget %s, auth_source %s', N, core.version, #static_whitelist, #map_urls.whitelist,
    #settings.protected_domains, settings.trust_budget, settings.auth_source)

if reputation then
  reputation:register({
    rspamd_config = rspamd_config,
    group = N,
    identities = function(task)
      return task:cache_get('authweight_identities')
    end,
  })
  rspamd_plugins[N] = { learn = learn_explicit }
end
