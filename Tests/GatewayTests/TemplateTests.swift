import Testing
@testable import Gateway

private let sample = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 12
    MemorySize: 512
    Environment:
      Variables:
        PLATFORM_URL: https://platform.example
        LOG_LEVEL: info
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
  Table:
    Type: AWS::DynamoDB::Table
  ScanFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ../.build/lambda/run-scan/
      Timeout: 300
      Environment:
        Variables:
          LOG_LEVEL: debug
          QUEUE_URL: !Ref Queue
      Events:
        Start:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Method: post
            Path: /api/cloud-identities/{id}/scans
        Nightly:
          Type: Schedule
          Properties:
            Schedule: rate(6 hours)
            Input: '{"action":"dispatch"}'
        Weekly:
          Type: Schedule
          Properties:
            Schedule: cron(0 3 ? * MON *)
            Enabled: false
  HealthFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ../.build/lambda/health
      Events:
        Health:
          Type: HttpApi
          Properties:
            Method: GET
            Path: /api/health
"""

@Suite struct TemplateTests {
    @Test func readsFunctionsRoutesSchedulesAndSettings() throws {
        let functions = try Template.parse(sample)
        #expect(functions.map(\.logicalID) == ["HealthFunction", "ScanFunction"])
        let scan = try #require(functions.last)
        #expect(scan.executable == "run-scan")
        #expect(scan.timeoutSeconds == 300)
        #expect(scan.memoryMegabytes == 512)
        #expect(scan.routes == [HTTPRoute(method: "POST", path: "/api/cloud-identities/{id}/scans")])
        #expect(scan.environment == ["PLATFORM_URL": "https://platform.example", "LOG_LEVEL": "debug"])
        #expect(scan.schedules.count == 2)
        #expect(scan.schedules.first { $0.name == "Nightly" }?.intervalSeconds == 6 * 3600)
        #expect(scan.schedules.first { $0.name == "Nightly" }?.input == #"{"action":"dispatch"}"#)
        #expect(scan.schedules.first { $0.name == "Weekly" }?.enabled == false)
        #expect(functions.first?.timeoutSeconds == 12)
    }

    @Test func theProjectTemplateParsesAndEveryFunctionHasAnExecutable() throws {
        let functions = try Template.load(path: "infra/template.yaml")
        #expect(!functions.isEmpty)
        for function in functions { #expect(!function.executable.isEmpty) }
    }

    @Test(arguments: [("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(2 days)", 172_800)])
    func rateExpressions(expression: String, seconds: Int) {
        #expect(Schedule.interval(of: expression) == seconds)
    }

    @Test func refusesAFunctionWithoutCodeUri() {
        let text = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: bootstrap\n"
        #expect(throws: TemplateError.self) { try Template.parse(text) }
    }

    @Test func routeTablePrefersTheMostSpecificRoute() throws {
        let table = RouteTable(try Template.parse("""
        Resources:
          ById:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: by-id
              Events:
                E: {Type: HttpApi, Properties: {Method: GET, Path: "/api/scans/{id}"}}
          Latest:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: latest
              Events:
                E: {Type: HttpApi, Properties: {Method: GET, Path: /api/scans/latest}}
          Anything:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: proxy
              Events:
                E: {Type: HttpApi, Properties: {Method: ANY, Path: "/{proxy+}"}}
        """))
        #expect(table.match(method: "GET", path: "/api/scans/latest")?.function.executable == "latest")
        #expect(table.match(method: "GET", path: "/api/scans/42")?.pathParameters == ["id": "42"])
        #expect(table.match(method: "DELETE", path: "/api/scans/42")?.function.executable == "proxy")
        #expect(table.match(method: "GET", path: "/api/scans/42")?.route.routeKey == "GET /api/scans/{id}")
    }
}
