import Runtime

await Lambda.run(AWSExternalID.self)
