import AWSAPI
import Testing

/// The XML reader AWS answers go through: what real answers use, and nil for what is broken.
@Suite struct XMLReaderTests {
    @Test func readsAnAWSAnswerWithEntitiesCDATAAttributesAndEmptyElements() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment -->
            <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <GetCallerIdentityResult>
                <Arn>arn:aws:iam::123456789012:user/a&amp;b &lt;x&gt; &#65;&#x42;</Arn>
                <Policy><![CDATA[{"a": "<b>"}]]></Policy>
                <Tag key="x>y" other='/'>v</Tag>
                <Empty/>
                <Empty2 />
              </GetCallerIdentityResult>
            </GetCallerIdentityResponse>
            """
        let root = try #require(XMLNode.parse(Array(xml.utf8)))
        #expect(root.name == "GetCallerIdentityResponse")
        #expect(root.value("Arn") == "arn:aws:iam::123456789012:user/a&b <x> AB")
        #expect(root.value("Policy") == #"{"a": "<b>"}"#)
        #expect(root.value("Tag") == "v")
        #expect(root.first("Empty") != nil && root.first("Empty")?.children.isEmpty == true)
        #expect(root.path("GetCallerIdentityResult").first?.children.map(\.name) == ["Arn", "Policy", "Tag", "Empty", "Empty2"])
    }

    @Test(arguments: [
        "<a><b></a></b>", "<a>", "<a></a><b></b>", "<a>&bogus;</a>", "<a x=\"unclosed></a>", "<a><!-- unterminated </a>",
    ])
    func refusesBrokenDocuments(_ xml: String) {
        #expect(XMLNode.parse(Array(xml.utf8)) == nil, "\(xml)")
    }
}
