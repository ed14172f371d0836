import Runtime

await Lambda.run(CLILogout.self)
