-- A different filter combination on every request: a department, an amount range, sometimes
-- another facet, a sort order, a page and a language, drawn from the dataset's own values
-- (the tables PREFIXES, BUREAUX, THEMES, KINDS, STATUSES, YEARS, AMOUNTS, AMOUNT_WORDS and
-- SORTS are generated above this code by bench/run.py). The minimum amount is a random whole
-- number of dollars, so no two requests share a query string and no cache can answer.

local function pick(list)
  return list[math.random(#list)]
end

local function maybe(probability)
  return math.random() < probability
end

function request()
  local minimum = math.random(1000000, 2000000000)
  local parts = { "bureau=" .. pick(BUREAUX), "amount_min=" .. minimum }
  if maybe(0.6) then
    -- A maximum above the minimum: a real amount of the dataset, or money as people write it.
    local candidates = {}
    for _, value in ipairs(AMOUNTS) do
      if tonumber(value) > minimum then candidates[#candidates + 1] = value end
    end
    for _, pair in ipairs(AMOUNT_WORDS) do
      if pair[2] > minimum then candidates[#candidates + 1] = pair[1] end
    end
    if #candidates > 0 then parts[#parts + 1] = "amount_max=" .. pick(candidates) end
  end
  if maybe(0.3) then parts[#parts + 1] = "theme=" .. pick(THEMES) end
  if maybe(0.3) then parts[#parts + 1] = "kind=" .. pick(KINDS) end
  if maybe(0.2) then parts[#parts + 1] = "status=" .. pick(STATUSES) end
  if maybe(0.15) then parts[#parts + 1] = "start_year=" .. pick(YEARS) end
  if maybe(0.1) then parts[#parts + 1] = "bureau=" .. pick(BUREAUX) end
  if maybe(0.5) then parts[#parts + 1] = "sort=" .. pick(SORTS) end
  if maybe(0.2) then parts[#parts + 1] = "page=" .. math.random(2, 4) end
  local path = pick(PREFIXES) .. "/measures/?" .. table.concat(parts, "&")
  return wrk.format("GET", path)
end
