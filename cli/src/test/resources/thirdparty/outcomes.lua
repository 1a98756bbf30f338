-- wrk script: counts every response by status and by the app version that answered (X-App-Version; absent when
-- the router answered itself, e.g. 502 or 503), and prints one line per (status, version) at the end:
--   outcome <status> <version or -> <count>
-- wrk's own socket errors (connect, read, write, timeout) are printed as "errors <kind> <count>".
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
end

function response(status, headers, body)
  local version = headers["X-App-Version"] or headers["x-app-version"] or "-"
  local key = status .. " " .. version
  counts[key] = (counts[key] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for key, n in pairs(c) do
      total[key] = (total[key] or 0) + n
    end
  end
  for key, n in pairs(total) do
    io.write(string.format("outcome %s %d\n", key, n))
  end
  local e = summary.errors
  io.write(string.format("errors connect %d\nerrors read %d\nerrors write %d\nerrors timeout %d\n",
    e.connect, e.read, e.write, e.timeout))
end
