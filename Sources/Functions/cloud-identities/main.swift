import Runtime

await Lambda.run(CloudIdentities.self)
