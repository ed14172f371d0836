import Runtime

await Lambda.run(Revoke.self)
