import Runtime

await Lambda.run(CLIAuthorize.self)
