"""Server-side scripts that make "write my outputs, ack my input" one atomic step.

``EMIT_AND_ACK`` writes every output of one input entry and acks the input in one script, so a crash
can fall before or after it but never between. When a stage must ack later than it emits (a crash
point in tests, or a slow side effect in between), it calls the script with ``ack=0``: the outputs
are written once under a marker keyed by the input entry, and a redelivery of the same entry finds
the marker and writes nothing again. Acking deletes the marker, so markers live only as long as
their entry is pending.

KEYS: 1 input stream, 2 marker key, 3.. output streams (one per output, repeats allowed)
ARGV: 1 group, 2 input entry id, 3 marker ttl ms, 4 ack now ("1"/"0"), then per output:
      maxlen ("0" = no trim), field count n, then n field/value pairs
"""

from __future__ import annotations

EMIT_AND_ACK = """
local emitted = redis.call('EXISTS', KEYS[2]) == 1
if not emitted then
  local i = 5
  for o = 3, #KEYS do
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
end
if ARGV[4] == '1' then
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
  redis.call('DEL', KEYS[2])
elseif not emitted then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
end
if emitted then return 0 end
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
