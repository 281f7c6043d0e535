-- /etc/rspamd/rspamd.local.lua: rules of your own that read authweight's
-- verdict (doc/lua-rules.md).

local awv = require "authweight_verdict"

-- LOCAL_AUTHENTICATED: the From domain authenticated (aligned SPF or DKIM),
-- with the identities and the DMARC result as options. A score of 0: a
-- fact for composites, force_actions or the history, not a weight.
rspamd_config:register_symbol({
  name = 'LOCAL_AUTHENTICATED',
  type = 'normal',
  score = 0.0,
  group = 'local',
  description = 'From domain authenticated, per authweight',
  callback = function(task)
    local v = awv.verdict(task)
    if not v or not v.aligned then
      return false
    end
    local options = { v.aligned }
    for _, id in ipairs(v.identities) do
      if id ~= v.aligned then
        options[#options + 1] = id
      end
    end
    if v.dmarc then
      options[#options + 1] = 'dmarc:' .. v.dmarc.result
    end
    return true, 1.0, options
  end,
})
-- Run after authweight's check: without it the verdict may not exist yet.
awv.register_dependency(rspamd_config, 'LOCAL_AUTHENTICATED')

-- LOCAL_RELAX_GREYLIST: no greylisting for an authenticated sender that is
-- whitelisted or reputable: apply the settings id "authweight_reputable"
-- of settings.conf (it disables GREYLIST_SAVE, the postfilter that
-- greylists), take back the greylist action, and say so with
-- LOCAL_GREYLIST_RELAXED. Settings another rule already chose stay.
local lua_settings = require "lua_settings"
local relax_id = rspamd_config:register_symbol({
  name = 'LOCAL_RELAX_GREYLIST',
  type = 'callback',
  flags = 'empty,nostat',
  callback = function(task)
    local v = awv.verdict(task)
    if not v or not v.aligned or task:get_settings_id() then
      return
    end
    if task:has_symbol('AUTHW_WL_AUTH') or task:has_symbol('AUTHW_REP_GOOD') then
      local id = lua_settings.numeric_settings_id('authweight_reputable')
      if lua_settings.settings_by_id(id) then
        task:set_settings_id(id)
        -- As the greylist module does for the mail it lets through: the
        -- greylist action (score 4 to 6 by default) becomes no action.
        task:disable_action('greylist')
        task:insert_result('LOCAL_GREYLIST_RELAXED', 1.0, v.aligned)
      end
    end
  end,
})
rspamd_config:register_symbol({
  name = 'LOCAL_GREYLIST_RELAXED',
  type = 'virtual',
  parent = relax_id,
  score = 0.0,
  group = 'local',
  description = 'No greylisting: authenticated, whitelisted or reputable sender',
})
awv.register_dependency(rspamd_config, 'LOCAL_RELAX_GREYLIST')
