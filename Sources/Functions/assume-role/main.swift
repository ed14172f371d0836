import Runtime

await Lambda.run(AssumeRole.self)
