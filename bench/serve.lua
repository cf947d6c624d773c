-- serve.lua: wrk's script for bench/serve.sh. Each request is the next
-- query of QUERIES (a qid<TAB>text file, path in the environment), as
-- GET /search?q=...&k=K; done() prints one JSON line of the run.
local queries, n, k = {}, 0, os.getenv("K") or "10"

local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

for line in io.lines(os.getenv("QUERIES")) do
  local text = line:match("^[^\t]*\t(.*)$")
  if text and #text > 0 then
    queries[#queries + 1] = "/search?k=" .. k .. "&q=" .. encode(text)
  end
end

local counter = 0
function setup(thread)
  thread:set("first", counter * 7919)
  counter = counter + 1
end

request = function()
  n = n + 1
  return wrk.format("GET", queries[((first or 0) + n) % #queries + 1])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.2f,"qps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,' ..
    '"socket_errors":%d,"non_2xx":%d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3,
    e.connect + e.read + e.write + e.timeout, e.status))
end
