-- wrk: POST /api/v1/inspections, a new client-made id every time (a phone
-- creating visits offline). Env: TOKEN, ORG.
local tid = 0
local counter = 0
function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
end
function init(args)
	math.randomseed(os.time() * 1000 + tid * 7919)
end
local function uuid()
	return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function(c)
		return string.format("%x", c == "x" and math.random(0, 15) or math.random(8, 11))
	end))
end
local headers = {["Authorization"] = "Bearer " .. os.getenv("TOKEN"), ["Content-Type"] = "application/json"}
local org = os.getenv("ORG")
local template = "00000000-0000-4000-8000-000000000001"
function request()
	return wrk.format("POST", "/api/v1/inspections", headers,
		'{"id":"' .. uuid() .. '","org_id":"' .. org .. '","template_id":"' .. template .. '"}')
end
