import Runtime

await Lambda.run(ConnectAccount.self)
