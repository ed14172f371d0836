import Runtime
import Testing

/// HTTPS trust is found where the binary runs (Amazon Linux's path first), or the function
/// refuses to start with a reason — never a TLS failure at its first call out.
struct CertificateAuthoritiesTests {
    @Test func theBundleIsTheConfiguredOneElseTheFirstKnownLocationThatExists() throws {
        #expect(try CertificateAuthorities.locate(environment: Environment(values: ["SSL_CERT_FILE": "/mine.pem"]), exists: { $0 == "/mine.pem" }) == "/mine.pem")
        let amazonLinux = try CertificateAuthorities.locate(environment: Environment(values: [:]),
                                                            exists: { ["/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/certs/ca-certificates.crt"].contains($0) })
        #expect(amazonLinux == "/etc/pki/tls/certs/ca-bundle.crt")
        #expect(try CertificateAuthorities.locate(environment: Environment(values: [:]), exists: { $0 == "/etc/ssl/certs/ca-certificates.crt" })
                == "/etc/ssl/certs/ca-certificates.crt")
    }

    @Test func aMissingBundleIsAnErrorThatSaysWhatToDo() {
        let configured = #expect(throws: CertificateAuthorities.Missing.self) {
            try CertificateAuthorities.locate(environment: Environment(values: ["SSL_CERT_FILE": "/nope.pem"]), exists: { _ in false })
        }
        #expect(configured?.description.contains("SSL_CERT_FILE is /nope.pem") == true)
        let none = #expect(throws: CertificateAuthorities.Missing.self) {
            try CertificateAuthorities.locate(environment: Environment(values: [:]), exists: { _ in false })
        }
        #expect(none?.description.contains("set SSL_CERT_FILE") == true)
    }
}
