import Domain
import Foundation
import Testing

@Suite struct FederationSubjectTests {
    let workspace = UUID(uuidString: "3F2B8C1E-5D4A-4B6C-9E8F-7A6B5C4D3E2F")!

    @Test func theSubjectIsImmutableIdsLowercaseAndFitsGooglesLimit() throws {
        let identity = try #require(GCPWorkloadIdentity(projectNumber: "123456789012", poolID: "zcp-pool", providerID: "zcp-provider",
                                                        serviceAccountEmail: "scanner@my-project.iam.gserviceaccount.com"))
        let subject = identity.subject(workspace: workspace)
        #expect(subject.value == "org:3f2b8c1e-5d4a-4b6c-9e8f-7a6b5c4d3e2f:identity:\(identity.identityID(workspace: workspace).uuidString.lowercased())")
        #expect(subject.value.utf8.count <= 127)
        #expect(identity.providerResourceName == "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/zcp-pool/providers/zcp-provider")
        #expect(identity.serviceAccountProject == "my-project")
    }

    @Test func theIdentityIdFollowsFromTheWorkspaceAndTheNamesOnly() throws {
        let identity = try #require(GCPWorkloadIdentity(projectNumber: "1", poolID: "pool-a", providerID: "prov-a", serviceAccountEmail: "reader@project-a.iam.gserviceaccount.com"))
        let other = try #require(GCPWorkloadIdentity(projectNumber: "1", poolID: "pool-a", providerID: "prov-a", serviceAccountEmail: "writer@project-a.iam.gserviceaccount.com"))
        #expect(identity.identityID(workspace: workspace) == identity.identityID(workspace: workspace))
        #expect(identity.identityID(workspace: workspace) != other.identityID(workspace: workspace))
        #expect(identity.identityID(workspace: workspace) != identity.identityID(workspace: UUID()), "another workspace never gets the same subject")
        let id = identity.identityID(workspace: workspace).uuidString
        #expect(Array(id)[14] == "8", "an RFC 9562 version 8 UUID")
    }

    @Test(arguments: [
        ("12a", "zcp-pool", "zcp-provider", "scanner@my-project.iam.gserviceaccount.com"),
        ("123", "abc", "zcp-provider", "scanner@my-project.iam.gserviceaccount.com"),
        ("123", "gcp-pool", "zcp-provider", "scanner@my-project.iam.gserviceaccount.com"),
        ("123", "zcp-pool", "-provider", "scanner@my-project.iam.gserviceaccount.com"),
        ("123", "zcp-pool", "zcp-provider", "scanner@my-project.example.com"),
        ("123", "zcp-pool", "zcp-provider", "Scanner@my-project.iam.gserviceaccount.com"),
        ("123", "zcp-pool", "zcp-provider", "scanner@my-project.iam.gserviceaccount.com\u{0}"),
        ("123", "Zcp-Pool", "zcp-provider", "scanner@my-project.iam.gserviceaccount.com"),
    ])
    func invalidNamesAreRefused(_ names: (String, String, String, String)) {
        #expect(GCPWorkloadIdentity(projectNumber: names.0, poolID: names.1, providerID: names.2, serviceAccountEmail: names.3) == nil)
    }
}
