import Runtime

await Lambda.run(ProviderTokens.self)
