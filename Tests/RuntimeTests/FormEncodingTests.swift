import Testing
import Runtime

struct FormEncodingTests {
    @Test func aFormBodyEncodesReservedBytesAndSpacesAsAWSAndOAuthPeersExpect() {
        #expect(formURLEncoded([("grant_type", "refresh_token"), ("refresh_token", "a+b/c=d e&f~g"), ("Tag.1.Value", "ümlaut")])
            == "grant_type=refresh_token&refresh_token=a%2Bb%2Fc%3Dd+e%26f~g&Tag.1.Value=%C3%BCmlaut")
    }
}
