import Runtime

await Lambda.run(OIDCDiscovery.self)
