-- As rspamd's: plain Lua plus the globals rspamd gives plugins.
std = 'min'
globals = { 'rspamd_config' }
read_globals = { 'confighelp', 'rspamd_plugins', 'jit', 'unpack' }
max_line_length = 120
