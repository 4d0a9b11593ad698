-- wrk script: each request takes the next path from a list file, so the
-- whole collection is served page after page rather than one page from a
-- cache. Usage: wrk ... -s cycle.lua URL -- PATHS_FILE
-- Each thread starts at its own offset, to spread the pages over threads.
-- No response() callback: defining one makes wrk buffer every body, which
-- would cost the client more than the servers we compare.

local threads = {}
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   paths = {}
   local f = assert(io.open(args[1], "r"), "cannot open the paths file")
   for line in f:lines() do
      if #line > 0 then paths[#paths + 1] = line end
   end
   f:close()
   assert(#paths > 0, "the paths file is empty")
   i = (tid * 37) % #paths
end

function request()
   i = i % #paths + 1
   return wrk.format("GET", paths[i], { ["Accept"] = "application/json" })
end

-- One machine-readable line, exact where wrk's own summary rounds.
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "WRK requests=%d bytes=%d duration_us=%d connect_err=%d read_err=%d write_err=%d status_err=%d timeout_err=%d p50_us=%d p99_us=%d\n",
      summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(99)))
end
