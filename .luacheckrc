-- As rspamd's: plain Lua plus the globals rspamd gives plugins.
std = 'min'
globals = { 'rspamd_config', 'rspamd_plugins' }
read_globals = { 'confighelp', 'rspamd_paths', 'jit', 'unpack' }
max_line_length = 120
