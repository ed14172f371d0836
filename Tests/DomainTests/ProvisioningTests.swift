import Foundation
import Testing
@testable import Domain

@Suite struct ProvisionerPoliciesTests {
    func document(_ json: String) -> AttributeValue { RoleTrustPolicy.parse(json)! }

    @Test func theTemplatesPolicyIsAcceptedAndItsServicesReported() throws {
        let review = ProvisionerPolicies.review([("arn:aws:iam::123456789012:policy/p", document("""
            {"Statement": [
              {"Effect": "Allow", "Action": ["ec2:*", "s3:*", "sqs:*", "iam:Get*", "iam:List*"], "Resource": "*"},
              {"Effect": "Allow", "Action": ["iam:CreateRole", "iam:AttachRolePolicy"], "Resource": "arn:aws:iam::1:role/zcp/*",
               "Condition": {"StringEquals": {"iam:PermissionsBoundary": "arn:aws:iam::1:policy/b"}}},
              {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/zcp/*"},
              {"Effect": "Deny", "NotAction": ["iam:Get*"], "Resource": "arn:aws:iam::1:role/self"}
            ]}
            """))])
        #expect(review.problems.isEmpty, "\(review.problems)")
        #expect(review.services == ["ec2", "iam", "s3", "sqs"])
    }

    @Test(arguments: [
        #"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#,
        #"{"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}"#,
        #"{"Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}"#,
        #"{"Statement": [{"Effect": "Allow", "Action": "iam:Put*", "Resource": "*"}]}"#,
        #"{"Statement": [{"Effect": "Allow", "Action": "IAM:CreateRole", "Resource": "arn:aws:iam::1:role/x"}]}"#,
        #"{"Statement": [{"Effect": "Allow", "Action": "iam:c*", "Resource": "arn:aws:iam::1:role/x"}]}"#,
        #"{"Statement": [{"Effect": "Allow", "Action": "iam:CreateRole", "Resource": "arn:aws:iam::1:role/x", "Condition": {"StringEqualsIfExists": {"iam:PermissionsBoundary": "b"}}}]}"#,
        #"{"Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::1:role/admin"}]}"#,
    ])
    func administratorsAndWouldBeAdministratorsAreRefused(_ json: String) {
        #expect(!ProvisionerPolicies.review([("inline policy p", document(json))]).problems.isEmpty, "\(json)")
    }

    @Test func managedAdministratorPoliciesAreRefusedByName() {
        for name in ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"] {
            #expect(ProvisionerPolicies.review([("arn:aws:iam::aws:policy/\(name)", .null)]).problems.count == 1)
        }
        #expect(ProvisionerPolicies.review([("arn:aws:iam::123456789012:policy/AdministratorAccess", document(#"{"Statement": []}"#))]).problems.isEmpty,
                "a customer's own policy is judged by what it says, not its name")
    }

    @Test func wildcardsMatchLikeIAMsAndManyStarsStayCheap() {
        #expect(ProvisionerPolicies.matches("iam:*", "iam:createrole"))
        #expect(ProvisionerPolicies.matches("iam:create?ole", "iam:createrole"))
        #expect(!ProvisionerPolicies.matches("iam:create", "iam:createrole"))
        #expect(ProvisionerPolicies.matches("*", ""))
        #expect(!ProvisionerPolicies.matches(String(repeating: "*a", count: 500) + "b", String(repeating: "a", count: 200)))
    }
}

@Suite struct RunInputTests {
    @Test func stacksAreSafeNames() {
        #expect(TerraformStack("network-prod.v2")?.name == "network-prod.v2")
        for bad in ["", "Upper", "-leading", "a/b", "..", String(repeating: "a", count: 65), "é", "a\u{0}"] {
            #expect(TerraformStack(bad) == nil, "\(bad)")
        }
    }

    @Test func uploadedFilesStayInsideTheirFolderAndCannotReplaceTheBackend() throws {
        #expect(try RunSourceFiles(["main.tf": "", "modules/queue/main.tf": "", "README.md": ""]).files.count == 3)
        for path in ["../main.tf", "/etc/passwd", "a//b.tf", ".terraform/x", "zzz_zcp_backend_override.tf", "override.tf", "a b.tf", "x/../../y.tf"] {
            #expect(throws: RunSourceFiles.Problem.self, "\(path)") { try RunSourceFiles(["main.tf": "", path: ""]) }
        }
        #expect(throws: RunSourceFiles.Problem.empty) { try RunSourceFiles(["README.md": "no configuration"]) }
        #expect(throws: RunSourceFiles.Problem.nul("main.tf")) { try RunSourceFiles(["main.tf": "a\u{0}b"]) }
        #expect(throws: RunSourceFiles.Problem.tooLarge) { try RunSourceFiles(["main.tf": String(repeating: "x", count: RunSourceFiles.maximumBytes)]) }
    }

    @Test func gitSourcesAreNamesGitCannotMistakeForOptionsOrPaths() throws {
        let source = try #require(GitSource(provider: .gitlab, repository: "group/sub/infra", ref: "release/2026.12", path: "stacks/network"))
        #expect(source.basicAuthUser == "oauth2")
        #expect(GitSource(provider: .github, repository: "acme/infra", ref: nil, path: "")?.path == nil)
        for (repository, ref, path) in [("acme", nil, nil), ("../etc/passwd", nil, nil), ("acme/-x", nil, nil), ("acme/infra", "--upload-pack=touch", nil),
                                        ("acme/infra", "a..b/../c", nil), ("acme/infra", "main.lock", nil), ("acme/infra", nil, "../../x"),
                                        ("acme/infra", nil, "/abs"), ("acme/in fra", nil, nil), ("acme/infra", "ma\u{0}in", nil)] as [(String, String?, String?)] {
            #expect(GitSource(provider: .github, repository: repository, ref: ref, path: path) == nil, "\(repository) \(ref ?? "") \(path ?? "")")
        }
    }

    @Test func thePlanSummaryCountsAsTerraformDoes() throws {
        let plan = #"{"resource_changes": [{"change": {"actions": ["create"]}}, {"change": {"actions": ["delete", "create"]}},"#
            + #"{"change": {"actions": ["update"]}}, {"change": {"actions": ["no-op"]}}, {"change": {"actions": ["read"]}}, {"change": {"actions": ["delete"]}}]}"#
        #expect(PlanSummary(showJSON: Array(plan.utf8)) == PlanSummary(add: 2, change: 1, destroy: 2))
        #expect(PlanSummary(showJSON: Array(#"{"format_version": "1.2"}"#.utf8)) == PlanSummary())
        #expect(PlanSummary(showJSON: Array("not json".utf8)) == nil)
    }
}

@Suite struct SecretRedactorTests {
    @Test func everyOccurrenceIsRedactedAndASplitSecretIsHeldBack() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        let redactor = SecretRedactor([secret, "ASIAEXAMPLE123456", "short"])
        #expect(redactor.redact("key=ASIAEXAMPLE123456 secret=\(secret) \(secret) short") == "key=[redacted] secret=[redacted] [redacted] short")
        // The first half of a secret at the end of a read waits for the rest.
        let first = Array("line\nsecret=\(secret.prefix(10))".utf8)
        #expect(redactor.heldBack(first) == 10)
        #expect(redactor.heldBack(Array("nothing secret here\n".utf8)) == 0)
    }
}

@Suite struct TerraformStateSealTests {
    let seal = try! TerraformStateSeal(configuration: "1:" + String(repeating: "ab", count: 32))

    @Test func aStateOpensOnlyForItsWorkspaceAndStack() throws {
        let workspace = UUID(), stack = TerraformStack("network")!
        let state = Array(#"{"version": 4, "resources": []}"#.utf8)
        let sealed = seal.seal(state, workspace: workspace, stack: stack)
        #expect(!String(decoding: sealed, as: UTF8.self).contains("resources"))
        #expect(try seal.open(sealed, version: 1, workspace: workspace, stack: stack) == state)
        #expect(throws: ProviderTokenKeyring.Failure.unreadable) { try seal.open(sealed, version: 1, workspace: UUID(), stack: stack) }
        #expect(throws: ProviderTokenKeyring.Failure.unreadable) { try seal.open(sealed, version: 1, workspace: workspace, stack: TerraformStack("other")!) }
        #expect(throws: ProviderTokenKeyring.Failure.unknownKeyVersion(2)) { try seal.open(sealed, version: 2, workspace: workspace, stack: stack) }
    }
}
