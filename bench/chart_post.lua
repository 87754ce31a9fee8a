-- POSTs the JSON body in the file $BODY to the benchmarked URL, as the user whose
-- access token is $TOKEN.
local file = assert(io.open(os.getenv("BODY")))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
