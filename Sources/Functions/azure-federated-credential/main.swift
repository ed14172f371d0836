import Runtime

await Lambda.run(AzureFederatedCredentialOnboarding.self)
