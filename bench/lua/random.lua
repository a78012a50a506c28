-- Each wrk thread draws its own random sequence (seeded by time and thread number), for the
-- request generators that pick pages or filters at random.

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_number", counter)
end

function init(args)
  math.randomseed(os.time() * 1000 + (thread_number or 0) * 7919)
end
