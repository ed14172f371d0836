import Runtime

await Lambda.run(Runs.self)
