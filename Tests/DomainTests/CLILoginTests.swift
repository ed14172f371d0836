import Testing
@testable import Domain

@Suite struct VerificationCodeTests {
    @Test func codesUseOnlyTheUnambiguousAlphabet() {
        for _ in 0..<500 {
            let code = VerificationCode.generate()
            #expect(code.value.count == 6)
            #expect(code.value.allSatisfy(VerificationCode.alphabet.contains))
        }
        for lookAlike in "0O1IL5S2Z8B" { #expect(!VerificationCode.alphabet.contains(lookAlike)) }
    }

    @Test func codesAreNotRepeatedInPractice() {
        let codes = Set((0..<2000).map { _ in VerificationCode.generate().value })
        #expect(codes.count > 1990)
    }

    @Test func typedCodesForgiveCaseSpacesAndTheDash() {
        #expect(VerificationCode(typed: "acd-efg")?.value == "ACDEFG")
        #expect(VerificationCode(typed: " ACD EFG ")?.value == "ACDEFG")
        #expect(VerificationCode(typed: "ACDEF") == nil)
        #expect(VerificationCode(typed: "ACDEF0") == nil)
        #expect(VerificationCode(typed: "ACDEFGH") == nil)
        #expect(VerificationCode(typed: "ACDEFG").map(\.displayed) == "ACD-EFG")
    }

    @Test func secretsNeverPrintThemselves() {
        #expect("\(VerificationCode.generate())" == "VerificationCode(redacted)")
        let token = RefreshToken.generate()
        #expect(!"\(token)".contains(token.value))
        #expect("\(DeviceCode("8f14e45f-ceea-467f-a0e6-b3b0c8a5e1d2")!)" == "DeviceCode(redacted)")
    }
}

@Suite struct RefreshTokenTests {
    @Test func tokensCarry256BitsBehindARecognisablePrefix() throws {
        let token = RefreshToken.generate()
        #expect(token.value.hasPrefix("zcp_rt_"))
        #expect(token.value.count == 7 + 43)
        let decoded = try #require(Base64URL.decode(String(token.value.dropFirst(7))))
        #expect(decoded.count == 32)
        #expect(RefreshToken(presented: token.value) == token)
        #expect(RefreshToken.generate() != token)
    }

    @Test func refusesAnythingElse() {
        #expect(RefreshToken(presented: "") == nil)
        #expect(RefreshToken(presented: "zcp_rt_short") == nil)
        #expect(RefreshToken(presented: "ghp_" + String(repeating: "a", count: 43)) == nil)
        #expect(RefreshToken(presented: "zcp_rt_" + String(repeating: "*", count: 43)) == nil)
    }

    @Test func base64URLRoundTrips() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(($0 * 37 + 11) % 256) }
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        }
        #expect(Base64URL.encode(Array("hello?>".utf8)) == "aGVsbG8_Pg")
    }
}

@Suite struct DeviceCodeTests {
    @Test func acceptsOnlyUUIDs() {
        #expect(DeviceCode("8F14E45F-CEEA-467F-A0E6-B3B0C8A5E1D2")?.value == "8f14e45f-ceea-467f-a0e6-b3b0c8a5e1d2")
        #expect(DeviceCode("not-a-uuid") == nil)
        #expect(DeviceCode("") == nil)
        #expect(DeviceCode(String(repeating: "a", count: 5000)) == nil)
    }
}
