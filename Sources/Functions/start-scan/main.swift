import Runtime

await Lambda.run(StartScan.self)
