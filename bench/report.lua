-- wrk script: an optional round-robin over paths, and a JSON summary line
-- printed by the done() hook.
--   WRK_PATHS  a file with one path per line, requested in turn

local paths = {}
local path_file = os.getenv("WRK_PATHS")
if path_file then
  for line in io.lines(path_file) do
    if #line > 0 then paths[#paths + 1] = line end
  end
end

if #paths > 0 then
  local next_path = 0
  request = function()
    next_path = next_path % #paths + 1
    return wrk.format(nil, paths[next_path])
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "non_2xx": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, errors.connect, errors.read,
    errors.write, errors.status, errors.timeout))
end
