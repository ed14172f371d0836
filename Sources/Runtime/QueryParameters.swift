import FoundationEssentials

/// The query-string values list routes share, each checked the one way before anything uses it.
extension APIGatewayV2Request {
    /// A UUID parameter, nil when absent; present but not a UUID is a 400.
    public func uuidQuery(_ name: String) throws(HTTPError) -> UUID? {
        guard let text = query(name) else { return nil }
        guard let value = UUID(uuidString: text) else { throw .badRequest("\(name) must be a UUID") }
        return value
    }

    /// `organization_id`: the workspace a listing is about (required).
    public func workspaceQuery() throws(HTTPError) -> UUID {
        guard let organization = query("organization_id").flatMap(UUID.init(uuidString:)) else {
            throw .badRequest("organization_id must be the workspace's UUID")
        }
        return organization
    }

    /// `limit`: a page size from 1 to `maximum`.
    public func pageLimit(default defaultValue: Int = 50, maximum: Int = 200) throws(HTTPError) -> Int {
        guard let text = query("limit") else { return defaultValue }
        guard let limit = Int(text), (1...maximum).contains(limit) else { throw .badRequest("limit must be between 1 and \(maximum)") }
        return limit
    }
}
