-- wrk: PUT /api/v1/inspections/{id} with If-Match, each thread editing its
-- own visit (one connection per thread) and taking the next version from
-- the answer's ETag, as the app does. Env: TOKEN, IDS (comma-separated, one
-- per thread, each at version 1).
local counter = 0
function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
end
local ids = {}
for id in string.gmatch(os.getenv("IDS"), "[^,]+") do
	ids[#ids + 1] = id
end
local version, n = 1, 0
function init(args)
	path = "/api/v1/inspections/" .. ids[tid + 1]
end
function request()
	n = n + 1
	return wrk.format("PUT", path, {
		["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
		["Content-Type"] = "application/json",
		["If-Match"] = '"' .. version .. '"'}, '{"notes":"第' .. n .. '次修改：补充现场情况"}')
end
function response(status, headers, body)
	local etag = headers["ETag"] or headers["etag"]
	if status == 200 and etag then
		version = tonumber(string.match(etag, "%d+"))
	end
end
