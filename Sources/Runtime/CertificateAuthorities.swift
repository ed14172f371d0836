import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// Where HTTPS trust comes from. libcurl's compiled-in CA path is the build machine's (Debian's
/// `/etc/ssl/certs/ca-certificates.crt`); Amazon Linux keeps its bundle at
/// `/etc/pki/tls/certs/ca-bundle.crt`. So the bundle is chosen where the binary runs:
/// `SSL_CERT_FILE` when set (it must exist), else the first known location that exists; none is
/// an init error that says so, not a TLS failure at the first call to STS.
public enum CertificateAuthorities {
    public static let knownLocations = [
        "/etc/pki/tls/certs/ca-bundle.crt",     // Amazon Linux, Fedora, RHEL
        "/etc/ssl/certs/ca-certificates.crt",   // Debian, Ubuntu, Alpine
        "/etc/ssl/ca-bundle.pem",               // openSUSE
        "/etc/pki/tls/cacert.pem",              // OpenELEC
        "/etc/ssl/cert.pem",                    // macOS, Alpine
    ]

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    public static func locate(environment: Environment, exists: (String) -> Bool = { access($0, R_OK) == 0 }) throws(Missing) -> String {
        if let configured = environment["SSL_CERT_FILE"], !configured.isEmpty {
            guard exists(configured) else { throw Missing(description: "SSL_CERT_FILE is \(configured), which cannot be read") }
            return configured
        }
        guard let found = knownLocations.first(where: exists) else {
            throw Missing(description: "no CA certificate bundle at \(knownLocations.joined(separator: ", ")): set SSL_CERT_FILE")
        }
        return found
    }

    /// Hands libcurl the bundle for every request of the process.
    public static func configure(environment: Environment) throws(Missing) {
        ccurl_set_ca_file(try locate(environment: environment))
    }
}
