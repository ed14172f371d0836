import Runtime

await Lambda.run(RunTerraform.self)
