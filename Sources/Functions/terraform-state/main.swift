import Runtime

await Lambda.run(TerraformState.self)
