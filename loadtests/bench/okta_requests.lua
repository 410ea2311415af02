-- wrk script: Okta-shaped telephony requests, each with a fresh eventId and a random NZ or AU
-- mobile number in one of the forms Okta sends, so the phone-number cache cannot flatter.
-- Seeded from /dev/urandom: unseeded, every run would send the same eventIds, and the connector
-- answers a repeated eventId from memory (connector/replays.py), flattering a measurement that
-- follows a warm-up.
local urandom = assert(io.open("/dev/urandom", "rb"))
local b1, b2, b3, b4 = urandom:read(4):byte(1, 4)
urandom:close()
math.randomseed(((b1 * 256 + b2) * 256 + b3) * 128 + b4)

local chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
local template = '{"eventId":"%s","eventTime":"2026-11-26T08:15:02.417Z",' ..
  '"eventType":"com.okta.telephony.provider","eventTypeVersion":"1.0",' ..
  '"contentType":"application/json","cloudEventVersion":"0.1",' ..
  '"source":"https://bench.okta.com/api/v1/inlineHooks/calq2Wv8nXk4LmP0d7s1",' ..
  '"requestType":"com.okta.user.telephony.mfa-verification","data":{"context":{"request":' ..
  '{"id":"reqZr8TqLw3aMx0PkVb7nYc2A","method":"POST","url":{"value":"/idp/idx/challenge"},' ..
  '"ipAddress":"203.0.113.24"}},"userProfile":{"firstName":"Bench","lastName":"User",' ..
  '"login":"bench.user@example.co.nz","userId":"00u8kq2ZtXw4NvB7r0d6"},"messageProfile":' ..
  '{"msgTemplate":"Your verification code is %06d","phoneNumber":"%s",' ..
  '"otpExpires":"2026-11-26T08:20:02.417Z","deliveryChannel":"SMS","otpCode":"%06d",' ..
  '"locale":"en"}}}'
local forms = {"+6421%07d", "+6422%07d", "021%07d", "+61412%06d", "+61423%06d"}

local function event_id()
  local out = {}
  for i = 1, 22 do
    local k = math.random(1, #chars)
    out[i] = chars:sub(k, k)
  end
  return table.concat(out)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic YmVuY2g6YmVuY2gtcGFzc3dvcmQ="

request = function()
  local otp = math.random(0, 999999)
  local form = forms[math.random(1, #forms)]
  local number = string.format(form, math.random(0, 999999))
  return wrk.format(nil, nil, nil, string.format(template, event_id(), otp, number, otp))
end

done = function(summary, latency, requests)
  io.write(string.format("BENCH requests=%d errors_status=%d errors_other=%d " ..
    "p50_us=%d p99_us=%d max_us=%d\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
