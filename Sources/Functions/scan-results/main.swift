import Runtime

await Lambda.run(ScanResults.self)
