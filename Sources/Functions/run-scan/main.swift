import Runtime

await Lambda.run(RunScan.self)
