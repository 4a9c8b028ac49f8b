"""Server-side scripts: the batch of a transforming stage, and the rare paths.

A transforming stage writes a batch's outputs and acks its inputs in one script call
(``EMIT_BATCH``), so a crash falls before or after, never between, and the whole batch costs one
round trip and one reply. When a stage must ack later than it emits (a crash point in
tests, or a slow side effect in between), it calls ``EMIT_ONCE``: the outputs are written under a
marker keyed by the input entry, and a redelivery of the same entry finds the marker and writes
nothing again. Acking deletes the marker, so markers live only while their entry is pending.
"""

from __future__ import annotations

#: KEYS: 1 input stream, 2.. output streams (each once).
#: ARGV: 1 group, 2 marker prefix (``emitted:<group>:<stream>:``), then per input entry: its id, its
#: output count, and per output: the output's KEYS index, maxlen ("0" = no trim), field count n, then
#: n field/value pairs. An entry whose marker exists (its outputs were written before a crash) has
#: its outputs skipped and its marker deleted; every entry is acked. Returns the entries acked.
EMIT_BATCH = """
local group = ARGV[1]
local prefix = ARGV[2]
local i = 3
local acked = 0
while i <= #ARGV do
  local id = ARGV[i]
  local outputs = tonumber(ARGV[i + 1])
  i = i + 2
  local marker = prefix .. id
  local written = redis.call('EXISTS', marker) == 1
  for o = 1, outputs do
    local key = KEYS[tonumber(ARGV[i])]
    local maxlen = ARGV[i + 1]
    local n = tonumber(ARGV[i + 2])
    i = i + 3
    if not written then
      local args
      if maxlen ~= '0' then
        args = {key, 'MAXLEN', '~', maxlen, '*'}
      else
        args = {key, '*'}
      end
      for f = 0, n * 2 - 1 do
        args[#args + 1] = ARGV[i + f]
      end
      redis.call('XADD', unpack(args))
    end
    i = i + n * 2
  end
  if written then
    redis.call('DEL', marker)
  end
  redis.call('XACK', KEYS[1], group, id)
  acked = acked + 1
end
return acked
"""

#: KEYS: 1 marker key, 2.. output streams (one per output, repeats allowed)
#: ARGV: 1 marker ttl ms, then per output: maxlen ("0" = no trim), field count n, n field/value pairs
EMIT_ONCE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local i = 2
for o = 2, #KEYS do
  local maxlen = ARGV[i]
  local n = tonumber(ARGV[i + 1])
  i = i + 2
  local args
  if maxlen ~= '0' then
    args = {KEYS[o], 'MAXLEN', '~', maxlen, '*'}
  else
    args = {KEYS[o], '*'}
  end
  for f = 1, n * 2 do
    args[#args + 1] = ARGV[i]
    i = i + 1
  end
  redis.call('XADD', unpack(args))
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 1
"""

#: Move one entry to its dead-letter stream and ack it, atomically.
#: KEYS: 1 input stream, 2 dlq stream. ARGV: 1 group, 2 entry id, then field/value pairs.
DEAD_LETTER = """
local args = {KEYS[2], '*'}
for i = 3, #ARGV do args[#args + 1] = ARGV[i] end
redis.call('XADD', unpack(args))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return 1
"""

#: Put one dead letter back on its stream and take it out of the dead-letter stream, atomically:
#: run twice, the second run finds nothing (exactly once). Its own ``dlq_*`` fields are dropped.
#: KEYS: 1 dlq stream, 2 original stream. ARGV: 1 the dead letter's id.
#: Returns the new entry's id, or nil when the dead letter is not there (replayed already).
REPLAY_DEAD_LETTER = """
local found = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #found == 0 then return false end
local flat = found[1][2]
local args = {KEYS[2], '*'}
local from_stream = false
for i = 1, #flat, 2 do
  if string.sub(flat[i], 1, 4) ~= 'dlq_' then
    args[#args + 1] = flat[i]
    args[#args + 1] = flat[i + 1]
  elseif flat[i] == 'dlq_source' then
    from_stream = true
  end
end
if not from_stream then return redis.error_reply('not a dead-lettered stream entry (no dlq_source)') end
if #args == 2 then return redis.error_reply('the dead letter holds no entry of its own') end
local id = redis.call('XADD', unpack(args))
redis.call('XDEL', KEYS[1], ARGV[1])
return id
"""
