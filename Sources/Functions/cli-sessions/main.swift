import Runtime

await Lambda.run(CLISessions.self)
