import Runtime

await Lambda.run(Workspaces.self)
