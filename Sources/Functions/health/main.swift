import Runtime

await Lambda.run(Health.self)
