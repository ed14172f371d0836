import Runtime

await Lambda.run(AuditEvents.self)
