import Runtime

await Lambda.run(ScanDispatch.self)
