import Runtime

await Lambda.run(CLIRefresh.self)
