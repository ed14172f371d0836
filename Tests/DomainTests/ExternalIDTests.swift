import Foundation
import Testing
@testable import Domain

@Suite struct ExternalIDTests {
    let key = Array("a server key of at least thirty-two bytes".utf8)

    @Test func derivedNotStored() {
        let workspace = UUID()
        #expect(ExternalID.derive(organization: workspace, key: key) == ExternalID.derive(organization: workspace, key: key))
        #expect(ExternalID.derive(organization: workspace, key: key) != ExternalID.derive(organization: UUID(), key: key))
        #expect(ExternalID.derive(organization: workspace, key: key) != ExternalID.derive(organization: workspace, key: Array("another key, also thirty-two bytes long".utf8)))
        #expect(ExternalID.derive(organization: workspace, key: key, version: 2) != ExternalID.derive(organization: workspace, key: key))
    }

    @Test func fitsTheCustomerTemplateAndIAM() {
        let id = ExternalID.derive(organization: UUID(), key: key)
        #expect(id.value.wholeMatch(of: /zcp-[a-z2-7]{32}/) != nil)
        #expect(id.hash.count == 32)
        #expect("\(id)" == "ExternalID(redacted)")
    }

    @Test func base32() {
        #expect(Base32.encode(Array("foobar".utf8)) == "mzxw6ytboi")
        #expect(Base32.encode([]) == "")
    }
}

@Suite struct ExternalIDPurposeTests {
    @Test func eachPurposeHasItsOwnExternalIDAndScansKeepTheirs() {
        let key = Array("a server key of at least thirty-two bytes".utf8), workspace = UUID()
        let scan = ExternalID.derive(organization: workspace, key: key, purpose: .scan)
        let provision = ExternalID.derive(organization: workspace, key: key, purpose: .provision)
        #expect(scan == ExternalID.derive(organization: workspace, key: key), "scan roles deployed before purposes keep matching")
        #expect(scan != provision)
        #expect(provision.value.wholeMatch(of: /zcp-[a-z2-7]{32}/) != nil)
    }
}
