import Domain
import Testing

/// The confused-deputy rule over trust policies as customers write them.
struct RoleTrustPolicyTests {
    static let platform = "111122223333"
    static let externalID = "zcp-abcdefghijklmnopqrstuvwxyz234567"

    func problems(_ statements: String) -> [String] {
        let document = RoleTrustPolicy.parse(#"{"Version":"2012-10-17","Statement":"# + statements + "}")!
        return RoleTrustPolicy.problems(document: document, platformAccount: Self.platform, externalID: Self.externalID)
    }

    static let pinned = #"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"zcp-abcdefghijklmnopqrstuvwxyz234567"}}}"#

    @Test func theTemplatesTrustPolicyIsPinned() {
        #expect(problems("[\(Self.pinned)]").isEmpty)
        // One statement object instead of a list, the account id as principal, a one-value list and a lowercase key are the same policy.
        #expect(problems(#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"StringEquals":{"sts:externalid":["zcp-abcdefghijklmnopqrstuvwxyz234567"]}}}"#).isEmpty)
    }

    @Test func statementsForOtherAccountsServicesOrDenialsAreNotThePlatformsConcern() {
        #expect(problems("""
            [\(Self.pinned),
             {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:role/ci"},"Action":"sts:AssumeRole"},
             {"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
             {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"},
             {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:TagSession"}]
            """).isEmpty)
    }

    @Test(arguments: [
        // No condition at all.
        #"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}"#,
        // Wildcards pass any workspace's external ID.
        #"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole","Condition":{"StringLike":{"sts:ExternalId":"zcp-*"}}}"#,
        // …IfExists and ForAllValues pass when the key is absent.
        #"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole","Condition":{"StringEqualsIfExists":{"sts:ExternalId":"zcp-abcdefghijklmnopqrstuvwxyz234567"}}}"#,
        #"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole","Condition":{"ForAllValues:StringEquals":{"sts:ExternalId":"zcp-abcdefghijklmnopqrstuvwxyz234567"}}}"#,
        // A second accepted value is another workspace's way in.
        #"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":["zcp-abcdefghijklmnopqrstuvwxyz234567","zcp-other"]}}}"#,
        // Another workspace's external ID.
        #"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"zcp-other"}}}"#,
        // Everyone, even with the external ID: anyone who learns it gets in.
        #"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"zcp-abcdefghijklmnopqrstuvwxyz234567"}}}"#,
        #"{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"zcp-abcdefghijklmnopqrstuvwxyz234567"}}}"#,
        #"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1111222233*:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"zcp-abcdefghijklmnopqrstuvwxyz234567"}}}"#,
        #"{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"sts:AssumeRole"}"#,
        // Wildcard actions and NotAction include AssumeRole.
        #"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:Assume*"}"#,
        #"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"NotAction":"sts:TagSession"}"#,
    ])
    func aSecondStatementThatLetsThePlatformInOtherwiseIsAProblem(_ loose: String) {
        let found = problems("[\(Self.pinned), \(loose)]")
        #expect(found.count == 1, "\(found)")
    }

    @Test func aPolicyWithoutAnyStatementForThePlatformIsReported() {
        #expect(problems(#"[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]"#).count == 1)
    }

    @Test func statementsAreNamedBySidOrPosition() {
        let found = problems(#"[{"Sid":"Legacy","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]"#)
        #expect(found.first?.contains("statement Legacy") == true)
        #expect(problems(#"[\#(Self.pinned), {"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"*"}]"#).first?.contains("statement 2") == true)
    }
}
