import Foundation
import JWTKit
import Testing
@testable import Cloud
@testable import GCPAPI
@testable import AzureAPI
import Domain
import Runtime

@Suite struct FederationTokenTests {
    @Test func theTokenCarriesWhatGoogleAndEntraCheck() async throws {
        let keys = try PlatformSigningKeys(issuer: "https://platform.example", keys: [.init(id: "k1", privateKey: try makeRSAKey())])
        let subject = FederationSubject(workspace: UUID(), identity: UUID())
        let token = try await keys.federationToken(subject: subject, audience: "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q",
                                                   purpose: "connect", lifetimeSeconds: 3600)
        let parts = token.split(separator: ".").map(String.init)
        let header = try JSONSerialization.jsonObject(with: Data(base64URL: parts[0])) as! [String: Any]
        let claims = try JSONSerialization.jsonObject(with: Data(base64URL: parts[1])) as! [String: Any]
        #expect(header["alg"] as? String == "RS256" && header["kid"] as? String == "k1")
        #expect(claims["iss"] as? String == "https://platform.example")
        #expect(claims["sub"] as? String == subject.value)
        #expect(claims["aud"] as? String == "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q")
        #expect(claims["workspace_id"] as? String == subject.workspace.uuidString.lowercased())
        #expect(claims["identity_id"] as? String == subject.identity.uuidString.lowercased())
        #expect(claims["purpose"] as? String == "connect")
        let iat = try #require(claims["iat"] as? Int), exp = try #require(claims["exp"] as? Int), nbf = try #require(claims["nbf"] as? Int)
        #expect(exp - iat == 600, "asked for an hour, capped at ten minutes")
        #expect(nbf == iat)
        #expect(!(String(decoding: try JSONEncoder().encode(keys.jwks()), as: UTF8.self).contains("x5c")), "GCP refuses keys with x5c/x5t")
    }

    func response(_ status: Int, _ body: String) -> HTTPClient.Response {
        HTTPClient.Response(status: status, headers: [:], body: Array(body.utf8))
    }

    /// Google's answers, verbatim where its documentation or users' reports give them.
    @Test func googlesRefusalsAreTranslated() {
        let sts: [(String, String)] = [
            (#"{"error":"invalid_request","error_description":"Invalid value for \"audience\". This value should be the full resource name of the Identity Provider. See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of possible formats."}"#, "gcp_wrong_audience"),
            (#"{"error":"invalid_grant","error_description":"The audience in ID Token [x] does not match the expected audience y."}"#, "gcp_wrong_audience"),
            (#"{"error":"invalid_grant","error_description":"Error connecting to the given credential's issuer."}"#, "gcp_issuer_unreachable"),
            (#"{"error":"invalid_grant","error_description":"The issuer in ID Token https://a does not match the expected ones: https://b."}"#, "gcp_issuer_mismatch"),
            (#"{"error":"unauthorized_client","error_description":"The given credential is rejected by the attribute condition."}"#, "gcp_attribute_condition"),
            (#"{"error":"invalid_request","error_description":"The size of mapped attribute google.subject exceeds the 127 bytes limit. Either modify your attribute mapping or the incoming assertion to produce a mapped attribute that is less than 127 bytes."}"#, "gcp_subject_too_long"),
            (#"{"error":"invalid_target","error_description":"The target service indicated by the \"audience\" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn't exist."}"#, "gcp_provider_not_found"),
            ("<html>not json</html>", "gcp_refused"),
        ]
        for (body, code) in sts {
            #expect(GCPFederation.translateSTS(response(400, body)).code == code, "\(body)")
        }
        let denied = GCPFederation.translateGoogleAPI(response(403, #"{"error":{"code":403,"message":"Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).","status":"PERMISSION_DENIED"}}"#))
        #expect(denied.code == "gcp_cannot_impersonate" && denied.trustLost)
        #expect(!GCPFederationError.unavailable("503").trustLost && !GCPFederationError.issuerUnreachable("x").trustLost)
        #expect(GCPFederationError.providerNotFound("x").trustLost)
    }
}

@Suite struct AzureFederationErrorTests {
    func response(_ status: Int, _ body: String) -> HTTPClient.Response {
        HTTPClient.Response(status: status, headers: [:], body: Array(body.utf8))
    }

    /// Entra's answers carry AADSTS codes in `error_codes`; each becomes what to change.
    @Test func entrasRefusalsAreTranslatedByCode() {
        let cases: [(Int, String, Bool)] = [
            (70021, "azure_no_matching_federated_credential", true), (700211, "azure_no_matching_federated_credential", true),
            (700213, "azure_no_matching_federated_credential", true), (7002138, "azure_no_matching_federated_credential", true),
            (700016, "azure_application_not_found", true), (90002, "azure_tenant_not_found", true),
            (700024, "azure_assertion_time", false), (70023, "azure_assertion_time", false),
            (7000215, "azure_federation_not_configured", false), (700027, "azure_signature_refused", false), (50058, "azure_refused", false),
        ]
        for (code, expected, trustLost) in cases {
            let body = #"{"error":"invalid_client","error_description":"AADSTS\#(code): something. Trace ID: abc Correlation ID: def Timestamp: 2026-11-29","error_codes":[\#(code)]}"#
            let error = AzureFederation.translate(response(401, body))
            #expect(error.code == expected && error.trustLost == trustLost, "\(code)")
            #expect(!error.description.contains("Trace ID"), "the trace ids are left out")
        }
        #expect(AzureFederation.translate(response(400, "not json")).code == "azure_refused")
    }
}
