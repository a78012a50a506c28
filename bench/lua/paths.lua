-- A mix of pages, one drawn at random for each request (PATHS is generated above this code).

function request()
  return wrk.format("GET", PATHS[math.random(#PATHS)])
end
