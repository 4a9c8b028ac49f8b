"""Server-side scripts for the rare paths; the common path is plain commands in MULTI/EXEC.

A transforming stage writes a batch's outputs and acks its inputs in one MULTI/EXEC, so a crash
falls before or after, never between. When a stage must ack later than it emits (a crash point in
tests, or a slow side effect in between), it calls ``EMIT_ONCE``: the outputs are written under a
marker keyed by the input entry, and a redelivery of the same entry finds the marker and writes
nothing again. Acking deletes the marker, so markers live only while their entry is pending.
"""

from __future__ import annotations

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
