import Runtime

await Lambda.run(RuntimeFixture.self)
