--[[
authweight_reputation: the rspamd side of the reputation of authenticated
identities (DESIGN principle 7, doc/reputation.md).

The core derives the identities (DKIM d= with a passing signature that
covers the message, the SPF-pass MAIL FROM domain aligned with From, the
Sender ID pass PRA domain) and scores the counts looked up for them
(AUTHW_REP_BAD, AUTHW_REP_GOOD). This module looks the counts up and
records verdicts in one of two stores:

  lmdb   the embedded store, through the authweight_core module: each
         worker opens its own LMDB environment after fork; updates are
         queued and committed in one synced write transaction per
         reputation.lmdb_flush_interval (group commit).
  redis  rspamd's lua_redis with the admin's redis settings (servers,
         sentinels, ...): GET per identity, and one atomic update script per
         identity (EVALSHA, EVAL when the server lost its script cache),
         which also renews the key's TTL.

A store that fails is logged at most once per reputation.error_log_interval
and the message is scored without reputation: never a task error.

Installed as /usr/share/rspamd/lualib/authweight_reputation.lua.
]]

local rspamd_logger = require "rspamd_logger"
local rspamd_util = require "rspamd_util"
local lua_util = require "lua_util"
local awc = require "authweight_common"

local exports = {}

local MAX_QUEUED = 1000     -- messages queued before an early LMDB flush

local function now()
  return math.floor(rspamd_util.get_time())
end

local function sha1_hex(text)
  local ok, hash = pcall(require, "rspamd_cryptobox_hash")
  if not ok then
    return nil
  end
  local h = hash.create_specific('sha1', text)
  return h and h:hex() or nil
end

--[[[
-- @function authweight_reputation.new(opts)
-- @param {table} opts N (module name), core (authweight_core), ctx (a
--   function returning the current context), settings (the validated
--   authweight settings), path_given (reputation.lmdb_path was set by the
--   admin), dbdir (rspamd's DBDIR)
-- @return {table} the reputation object, or nil when backend is "none"
--]]
function exports.new(opts)
  local rs = opts.settings.reputation
  if not rs or rs.backend == 'none' then
    return nil
  end
  local self = {
    N = opts.N,
    core = opts.core,
    ctx = opts.ctx,
    rs = rs,
    backend = rs.backend,
    last_log = 0,
    suppressed = 0,
    queued = 0,
  }

  if self.backend == 'lmdb' then
    self.path = rs.lmdb_path
    if not opts.path_given and opts.dbdir then
      -- rspamd's own database directory, which is /var/lib/rspamd on Debian
      -- (the schema's default) but may be moved with --var DBDIR.
      self.path = opts.dbdir .. '/authweight-reputation.mdb'
    end
  else
    local lua_redis = require "lua_redis"
    self.redis = lua_redis
    self.redis_params = lua_redis.parse_redis_server(opts.N)
    if not self.redis_params then
      return nil, 'reputation.backend is redis, but no redis servers are configured (local.d/redis.conf)'
    end
    self.script = opts.core.reputation_redis_script()
    self.sha = sha1_hex(self.script)
  end
  return setmetatable(self, { __index = exports })
end

-- A store problem, logged at most once per interval with how many were
-- not logged since.
function exports:fail(where, what, err)
  local t = rspamd_util.get_time()
  if t - self.last_log < self.rs.error_log_interval then
    self.suppressed = self.suppressed + 1
    return
  end
  local extra = ''
  if self.suppressed > 0 then
    extra = string.format(' (%d more since the last report)', self.suppressed)
  end
  rspamd_logger.errx(where, '%s: reputation %s (%s) failed, messages are scored without it: %s%s',
      self.N, what, self.backend, tostring(err):sub(1, 300), extra)
  self.last_log = t
  self.suppressed = 0
end

function exports:lmdb_store()
  if not self.store then
    local store, err = self.ctx():reputation_store(self.path)
    if not store then
      return nil, err
    end
    self.store = store
  end
  return self.store
end

--[[[
-- @method reputation:lookup(task, ids, callback)
-- Look the identities up in Redis; callback(counts) with {identity =
-- {spam=, ham=}} for those found, or nil when the store failed, once every
-- GET has answered. (LMDB is read by the core: attach().)
--]]
function exports:lookup(task, ids, callback)
  if #ids == 0 then
    return callback({})
  end
  local t = now()
  local pending, counts, failures = #ids, {}, 0
  local function done()
    pending = pending - 1
    if pending == 0 then
      callback(failures < #ids and counts or nil)
    end
  end
  for _, id in ipairs(ids) do
    local key = self.rs.redis_prefix .. id
    local sent = self.redis.redis_make_request(task, self.redis_params, key, false,
        function(err, data)
          if err then
            failures = failures + 1
            self:fail(task, 'lookup', err)
          else
            -- A missing key comes back as lua_redis's null userdata, a value
            -- as a string (or rspamd_text): only a string can be a record.
            local raw = (type(data) == 'string' or type(data) == 'userdata') and tostring(data) or nil
            if type(raw) == 'string' then
              local spam, ham = self.ctx():reputation_decode(raw, t)
              if spam then
                counts[id] = { spam = spam, ham = ham }
              end
            end
          end
          done()
        end, 'GET', { key })
    if not sent then
      failures = failures + 1
      self:fail(task, 'lookup', 'cannot send the request')
      done()
    end
  end
end

--[[[
-- @method reputation:attach(task, ev)
-- Before a fresh evaluation is stepped: with LMDB, let the core read its
-- identities' counts from the store and score them in the step that
-- finishes it (no lookup or rescoring afterwards). Redis answers
-- asynchronously, so it is looked up in apply().
--]]
function exports:attach(task, ev)
  if self.backend ~= 'lmdb' then
    return
  end
  local store, err = self:lmdb_store()
  if not store then
    return self:fail(task, 'lookup', err)
  end
  ev:use_store(store, now())
end

--[[[
-- @method reputation:apply(task, ev, ids, callback)
-- After the evaluation is done: callback() once its verdict is weighed
-- by its identities' counts. With LMDB the core has applied them already
-- (a store failure comes back as the verdict's reputation_error); with
-- Redis they are looked up and the evaluation is rescored. A store that
-- fails, or counts the core refuses, leave the verdict as it was.
--]]
function exports:apply(task, ev, ids, callback)
  if self.backend == 'lmdb' then
    return callback()
  end
  self:lookup(task, ids, function(counts)
    lua_util.debugm(self.N, task, 'reputation of %s: %s', ids, counts)
    if counts and next(counts) then
      local ok, state, err = pcall(ev.set_reputation, ev, awc.encode(counts))
      if not (ok and state == 'done') then
        rspamd_logger.errx(task, '%s: reputation not applied: %s', self.N,
            awc.cap(tostring(ok and (err or state) or state), 300))
      end
    end
    callback()
  end)
end

--[[[
-- @method reputation:learn(task, ids, verdict[, immediate])
-- Teach the identities a verdict: an rspamd action (weighed by
-- reputation.actions) or "spam" / "ham" (reputation.learn_weight).
-- LMDB updates are queued for the next flush unless `immediate` (or
-- lmdb_flush_interval is 0).
--]]
function exports:learn(task, ids, verdict, immediate)
  if #ids == 0 then
    return
  end
  local spam, ham = self.ctx():reputation_lesson(verdict)
  if not spam or (spam <= 0 and ham <= 0) then
    return -- an action weighted 0, or a custom action
  end
  local t = now()
  if self.backend == 'lmdb' then
    local store, err = self:lmdb_store()
    local queued = self.rs.lmdb_flush_interval > 0 and not immediate
    local ok
    if store then
      ok, err = store:learn(ids, verdict, t, queued)
    end
    if not ok then
      self:fail(task, 'update', err)
    elseif queued then
      self.queued = self.queued + 1
      if self.queued >= MAX_QUEUED then
        self:flush(task)
      end
    end
    return
  end

  for _, id in ipairs(ids) do
    local key = self.rs.redis_prefix .. id
    local args = { tostring(t), tostring(self.rs.half_life), tostring(spam), tostring(ham),
                   tostring(self.rs.max_count), tostring(self.rs.redis_ttl) }
    local function send(cmd, first, retry)
      local cmd_args = { first, '1', key }
      for _, a in ipairs(args) do
        cmd_args[#cmd_args + 1] = a
      end
      local sent = self.redis.redis_make_request(task, self.redis_params, key, true,
          function(err)
            if err and retry and tostring(err):find('NOSCRIPT', 1, true) then
              -- The server lost its script cache (restart, SCRIPT FLUSH).
              return send('EVAL', self.script, false)
            end
            if err then
              self:fail(task, 'update', err)
            end
          end, cmd, cmd_args)
      if not sent then
        self:fail(task, 'update', 'cannot send the request')
      end
    end
    if self.sha then
      send('EVALSHA', self.sha, true)
    else
      send('EVAL', self.script, false)
    end
  end
end

-- Commit what LMDB updates are queued (a periodic timer, a finish script).
function exports:flush(where)
  if self.backend ~= 'lmdb' or not self.store or self.queued == 0 then
    return
  end
  self.queued = 0
  local n, err = self.store:flush()
  if not n then
    self:fail(where or rspamd_config, 'update', err)
  end
end

--[[[
-- @method reputation:register(opts)
-- Register the learning symbol and the LMDB flushing.
-- @param {table} opts rspamd_config, group, identities (function(task)
--   returning the message's identities once the evaluation is done, or nil)
--]]
function exports:register(opts)
  local cfg = opts.rspamd_config
  local this = self
  -- The final action is known in the idempotent stage, after every filter
  -- and postfilter; rspamd's own action words map to reputation.actions.
  cfg:register_symbol({
    name = 'AUTHWEIGHT_LEARN',
    type = 'idempotent',
    flags = 'empty,explicit_disable,ignore_passthrough',
    group = opts.group,
    callback = function(task)
      local ids = opts.identities(task)
      if not ids or #ids == 0 then
        return
      end
      local action = task:get_metric_action()
      if action then
        this:learn(task, ids, action)
      end
    end,
  })
  if self.backend == 'lmdb' and self.rs.lmdb_flush_interval > 0 then
    cfg:add_on_load(function(_, ev_base, worker)
      if worker:is_scanner() then
        cfg:add_periodic(ev_base, this.rs.lmdb_flush_interval, function()
          this:flush(cfg)
          return true
        end)
      end
    end)
    cfg:register_finish_script(function(task)
      this:flush(task)
    end)
  end
end

return exports
