import FoundationEssentials
import JWTKit
import Runtime

/// The platform's own token issuer: RS256 keys that sign CLI access tokens (and, for GCP / Azure
/// federation, the OIDC tokens customers' clouds trust). The first key with a private part signs;
/// every key is published in the JWKS, so a rotation publishes the next key before it signs and
/// keeps the previous one published until its tokens have expired.
public struct PlatformSigningKeys: Sendable {
    public struct Key: Sendable {
        public let id: String
        let privateKey: Insecure.RSA.PrivateKey?
        let publicKey: Insecure.RSA.PublicKey

        /// A key that signs (and is published).
        public init(id: String, privateKey: Insecure.RSA.PrivateKey) {
            self.id = id
            self.privateKey = privateKey
            self.publicKey = privateKey.publicKey
        }

        /// A key that is only published: the next one before a rollover, or the last one after.
        public init(id: String, publicKey: Insecure.RSA.PublicKey) {
            self.id = id
            self.privateKey = nil
            self.publicKey = publicKey
        }
    }

    /// `iss` of every token, and where `/.well-known/…` are served (`PLATFORM_URL`).
    public let issuer: String
    public let keys: [Key]

    public init(issuer: String, keys: [Key]) throws {
        guard keys.contains(where: { $0.privateKey != nil }) else {
            throw ConfigurationError(message: "no platform signing key has a private key")
        }
        self.issuer = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        self.keys = keys
    }

    /// `PLATFORM_URL` and `PLATFORM_SIGNING_KEYS`: a JSON array of
    /// `{"kid": "...", "private_key_pem": "..."}` or `{"kid": "...", "public_key_pem": "..."}`,
    /// the signing key first.
    public init(environment: Environment) throws {
        struct Entry: Decodable {
            let kid: String
            let private_key_pem: String?
            let public_key_pem: String?
        }
        let issuer = try environment.required("PLATFORM_URL")
        let text = try environment.required("PLATFORM_SIGNING_KEYS")
        let entries: [Entry]
        do {
            entries = try JSONDecoder().decode([Entry].self, from: Data(text.utf8))
        } catch {
            throw ConfigurationError(message: "PLATFORM_SIGNING_KEYS is not a JSON array of {kid, private_key_pem | public_key_pem}")
        }
        let keys = try entries.map { entry throws -> Key in
            if let pem = entry.private_key_pem {
                return Key(id: entry.kid, privateKey: try Insecure.RSA.PrivateKey(pem: pem))
            }
            guard let pem = entry.public_key_pem else { throw ConfigurationError(message: "signing key \(entry.kid) has no PEM") }
            return Key(id: entry.kid, publicKey: try Insecure.RSA.PublicKey(pem: pem))
        }
        try self.init(issuer: issuer, keys: keys)
    }

    public var signingKey: Key { keys.first { $0.privateKey != nil }! }

    /// A JWT signed RS256 by the signing key, with its `kid` (and `typ`, default `JWT`) in the header.
    public func sign(_ payload: some JWTPayload, type: String = "JWT") async throws -> String {
        let key = signingKey
        let collection = JWTKeyCollection()
        await collection.add(rsa: key.privateKey!, digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.id))
        return try await collection.sign(payload, kid: JWKIdentifier(string: key.id), header: ["typ": .string(type)])
    }

    /// The public keys as a JSON Web Key Set (RFC 7517).
    public func jwks() throws -> JSONWebKeySet {
        JSONWebKeySet(keys: try keys.map { key in
            let primitives = try key.publicKey.getKeyPrimitives()
            return .init(kid: key.id, n: Base64URL.encode(primitives.modulus), e: Base64URL.encode(primitives.publicExponent))
        })
    }

    /// OpenID Provider metadata, so clouds (GCP WIF, Entra ID) and clients can find the keys.
    public func discoveryDocument() -> OpenIDConfiguration {
        OpenIDConfiguration(issuer: issuer, jwks_uri: "\(issuer)/.well-known/jwks.json")
    }
}

public struct JSONWebKeySet: Codable, Sendable, Equatable {
    public struct Key: Codable, Sendable, Equatable {
        public var kty = "RSA"
        public var use = "sig"
        public var alg = "RS256"
        public let kid: String
        public let n: String
        public let e: String
    }
    public let keys: [Key]
}

public struct OpenIDConfiguration: Codable, Sendable, Equatable {
    public let issuer: String
    public let jwks_uri: String
    public var response_types_supported = ["id_token"]
    public var subject_types_supported = ["public"]
    public var id_token_signing_alg_values_supported = ["RS256"]
    public var claims_supported = ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "sid", "workspace_id", "identity_id", "purpose"]
}

enum Base64URL {
    static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacing("+", with: "-").replacing("/", with: "_").replacing("=", with: "")
    }
}
