-- wrk script: an optional round-robin over paths, or one pass over a file of
-- requests, and a JSON summary line printed by the done() hook.
--   WRK_PATHS     a file with one path per line, requested in turn (GET)
--   WRK_REQUESTS  a file of tab-separated lines "method, path, bearer token
--                 ('-': none), JSON body", each sent once: a checkout needs a
--                 fresh cart. Requests past the last line are counted as
--                 "overrun" (they repeat the last line, so they fail).

local paths = {}
local path_file = os.getenv("WRK_PATHS")
if path_file then
  for line in io.lines(path_file) do
    if #line > 0 then paths[#paths + 1] = line end
  end
end

local requests = {}
local requests_file = os.getenv("WRK_REQUESTS")

-- After wrk.init has set the Host header that wrk.format sends.
init = function(args)
  if not requests_file then return end
  for line in io.lines(requests_file) do
    local method, path, token, body = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t(.*)$")
    if method then
      local headers = {}
      if token ~= "-" then headers["Authorization"] = "Bearer " .. token end
      if #body > 0 then
        headers["Content-Type"] = "application/json"
      else
        body = nil
      end
      -- Formatted once here, so that the timed loop only hands out strings.
      requests[#requests + 1] = wrk.format(method, path, headers, body)
    end
  end
end

overrun = 0

if requests_file then
  local next_request = 0
  request = function()
    if next_request < #requests then
      next_request = next_request + 1
    else
      overrun = overrun + 1
    end
    return requests[next_request]
  end
elseif #paths > 0 then
  local next_path = 0
  request = function()
    next_path = next_path % #paths + 1
    return wrk.format(nil, paths[next_path])
  end
end

local threads = {}

setup = function(thread)
  threads[#threads + 1] = thread
end

done = function(summary, latency, requests)
  local errors = summary.errors
  local overruns = 0
  for _, thread in ipairs(threads) do
    overruns = overruns + (thread:get("overrun") or 0)
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "non_2xx": %d, "timeouts": %d, ' ..
    '"overrun": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, errors.connect, errors.read,
    errors.write, errors.status, errors.timeout, overruns))
end
