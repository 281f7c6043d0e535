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

-- authweight_selectors: registers authweight's selectors (authweight_identity,
-- authweight_aligned, authweight_result, authweight_tls) with rspamd's
-- lua_selectors. A module of its own because rspamd does not load a
-- disabled module at all: with authweight disabled, a multimap or ratelimit
-- rule naming these selectors must still load, and the selectors then
-- return nothing. Its section (modules.d/authweight.conf) is always there.
-- It loads before multimap, ratelimit, reputation and settings, which
-- compile their selectors when they load (rspamd loads plugins in
-- alphabetical order).

local N = 'authweight_selectors'

if confighelp then
  rspamd_config:add_example(nil, N,
      "authweight's selectors for the admin's own rules (doc/lua-rules.md)",
      [[
authweight_selectors {
  # Nothing to set: the selectors are registered whenever this module loads.
  #   authweight_identity   the authenticated identities (never the bare From)
  #   authweight_aligned    the From domain when aligned authentication holds
  #   authweight_result     per-method results: spf:pass, dkim:fail, dmarc:pass, ...
  #   authweight_tls        the TLS version and where the fact came from: TLSv1.3:mta
}
]])
  return
end

local rspamd_logger = require "rspamd_logger"
local lua_util = require "lua_util"

local ok, awv = pcall(require, 'authweight_verdict')
if not ok then
  rspamd_logger.errx(rspamd_config, '%s: cannot load authweight_verdict: %s; module disabled', N, awv)
  lua_util.disable_module(N, 'fail')
  return
end
if awv.register_selectors(rspamd_config) then
  rspamd_logger.infox(rspamd_config, '%s: registered authweight_identity, authweight_aligned, '
      .. 'authweight_result and authweight_tls', N)
end
