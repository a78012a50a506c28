-- A mix of pages, one drawn at random for each request (PATHS is generated above this code).

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_number", counter)
end

function init(args)
  math.randomseed(os.time() * 1000 + (thread_number or 0) * 7919)
end

function request()
  return wrk.format("GET", PATHS[math.random(#PATHS)])
end
