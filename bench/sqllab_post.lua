-- SQL Lab executions of the SQL in $SQL on database $DATABASE: every request gets its
-- own client id (a reused one returns the recorded query instead of running it).
local sql = os.getenv("SQL"):gsub('"', '\\"')
local database = os.getenv("DATABASE")
local prefix = string.format("%05d", os.time() % 100000)
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")

request = function()
  counter = counter + 1
  local body = string.format(
    '{"database_id": %s, "sql": "%s", "client_id": "%s%05d", "queryLimit": 1000, "runAsync": false}',
    database, sql, prefix, counter)
  return wrk.format(nil, nil, nil, body)
end
