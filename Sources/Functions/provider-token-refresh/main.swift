import Runtime

await Lambda.run(ProviderTokenRefresh.self)
