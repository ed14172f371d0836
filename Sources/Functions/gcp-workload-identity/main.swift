import Runtime

await Lambda.run(GCPWorkloadIdentityOnboarding.self)
