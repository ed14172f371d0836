import Runtime

await Lambda.run(CLIExchange.self)
