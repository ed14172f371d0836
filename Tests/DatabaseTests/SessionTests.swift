import Foundation
import Testing
@_spi(Privileged) @testable import Database
import DatabaseService

@Suite struct SessionTests {
    @Test func userSessionSeesItsWorkspaceAndRunsAsAuthenticated() async throws {
        let test = try await TestDatabase()
        let user = try await test.makeUser()
        let organization = try await test.makeOrganization(owner: user, name: "acme")
        let session = try await test.session(for: user)
        let row = try #require(try await session.query("SELECT current_user AS role, auth.uid() AS uid, (SELECT name FROM public.organizations WHERE id = $1) AS name", organization).first)
        #expect(try row["role"] as String == "authenticated")
        #expect(try row["uid"] as UUID == user)
        #expect(try row["name"] as String == "acme")
    }

    @Test func oneQueryIsOneRoundTripIncludingRoleClaimsAndCommit() async throws {
        let test = try await TestDatabase()
        let user = try await test.makeUser()
        let organization = try await test.makeOrganization(owner: user)
        let session = try await test.session(for: user)
        _ = try await session.query("SELECT name FROM public.organizations WHERE id = $1", organization)
        let before = await test.database.roundTrips()
        _ = try await session.query("SELECT name FROM public.organizations WHERE id = $1", organization)
        _ = try await session.query("UPDATE public.organizations SET name = $2 WHERE id = $1", organization, "renamed")
        #expect(await test.database.roundTrips() - before == 2)
    }

    /// A validly signed token for a user who no longer exists (deleted, or never made) is refused
    /// by the request's own round trip, before any of its statements runs.
    @Test func aTokenWhoseUserIsGoneIsRefusedInTheSameRoundTrip() async throws {
        let test = try await TestDatabase()
        let user = try await test.makeUser()
        let organization = try await test.makeOrganization(owner: user)
        let session = try await test.session(for: user)
        _ = try await session.query("SELECT 1")
        _ = try await test.owner.runAsConnectedRole([Statement("DELETE FROM auth.users WHERE id = $1", user)])
        let before = await test.database.roundTrips()
        await #expect(throws: DatabaseError.unauthenticated("the access token's user does not exist")) {
            _ = try await session.query("UPDATE public.organizations SET name = 'taken' WHERE id = $1", organization)
        }
        #expect(await test.database.roundTrips() - before == 1)
        let never = try await test.session(for: UUID())
        await #expect(throws: DatabaseError.self) { _ = try await never.query("SELECT 1") }
        await #expect(throws: DatabaseError.self) { _ = try await never.transaction { try await $0.query("SELECT 1") } }
    }

    /// Input refused before it is sent (a NUL) mid-transaction must not leave that transaction
    /// open on the connection, where the next caller's statements would run as this user.
    @Test func refusedInputMidTransactionLeavesNothingOpenForTheNextCaller() async throws {
        let test = try await TestDatabase()
        let user = try await test.makeUser()
        let session = try await test.session(for: user)
        await #expect(throws: DatabaseError.invalid("text cannot contain the NUL character (U+0000)")) {
            _ = try await session.transaction { transaction in
                _ = try await transaction.query("SELECT 1")
                return try await transaction.query("SELECT $1::text", "a\u{0}b")
            }
        }
        // An abandoned transaction still open would have begun before this moment.
        let mark = Date()
        let row = try #require(try await test.database.anonymousSession().query(
            "SELECT current_user AS role, auth.uid() AS uid, now() >= $1::timestamptz AS fresh", mark).first)
        #expect(try row["role"] as String == "anon")
        #expect(row.isNull("uid"))
        #expect(try row["fresh"] as Bool, "the next caller ran inside the abandoned transaction")
    }

    @Test func claimsAreTransactionLocalAndDoNotLeakToTheNextCaller() async throws {
        let test = try await TestDatabase()
        let user = try await test.makeUser()
        _ = try await test.session(for: user).query("SELECT 1")
        let row = try #require(try await test.database.anonymousSession().query("SELECT current_user AS role, auth.uid() AS uid").first)
        #expect(try row["role"] as String == "anon")
        #expect(row.isNull("uid"))
    }

    @Test func anonymousSessionReachesNoTable() async throws {
        let test = try await TestDatabase()
        await #expect(throws: DatabaseError.forbidden("permission denied for table organizations")) {
            _ = try await test.database.anonymousSession().query("SELECT * FROM public.organizations")
        }
    }

    @Test func serviceSessionSeesEveryWorkspace() async throws {
        let test = try await TestDatabase()
        let first = try await test.makeOrganization(owner: try await test.makeUser())
        let second = try await test.makeOrganization(owner: try await test.makeUser())
        let seen = try await test.service.query("SELECT count(*) FROM public.organizations WHERE id IN ($1, $2)", first, second)
        #expect(try seen.first?["count"] as Int? == 2)
        #expect(try await test.service.query("SELECT current_user AS role").first?["role"] as String? == "service_role")
    }

    @Test func providerScopeHidesOtherProvidersIdentities() async throws {
        let test = try await TestDatabase()
        let user = try await test.makeUser()
        let organization = try await test.makeOrganization(owner: user)
        _ = try await test.service.batch([
            Statement("INSERT INTO public.cloud_identities (organization_id, provider, aws_role_arn) VALUES ($1, 'aws', 'arn:aws:iam::123456789012:role/scan')", organization),
            Statement("INSERT INTO public.cloud_identities (organization_id, provider, gcp_project_number) VALUES ($1, 'gcp', '123456')", organization),
        ])
        let session = try await test.session(for: user)
        let all = try await session.query("SELECT provider FROM public.cloud_identities ORDER BY provider")
        #expect(try all.rows.map { try $0["provider"] as String } == ["aws", "gcp"])
        let gcp = try await session.scoped(toCloudProvider: "gcp").query("SELECT provider FROM public.cloud_identities")
        #expect(try gcp.rows.map { try $0["provider"] as String } == ["gcp"])
    }

    @Test func errorsMapToWhatTheCallerCanActOn() async throws {
        let test = try await TestDatabase()
        let user = try await test.makeUser()
        let organization = try await test.makeOrganization(owner: user)
        let session = try await test.session(for: user)
        await #expect {
            _ = try await session.query("INSERT INTO public.memberships (organization_id, user_id) VALUES ($1, $2)", organization, user)
        } throws: { error in
            if case DatabaseError.conflict = error { return true }
            return false
        }
        await #expect {
            _ = try await session.query("INSERT INTO public.cloud_identities (organization_id, provider) VALUES ($1, 'oracle')", organization)
        } throws: { error in
            if case DatabaseError.invalid = error { return true }
            return false
        }
        // After a failed statement the connection is clean for the next caller.
        #expect(try await session.query("SELECT 1 AS one").first?["one"] as Int? == 1)
    }

    /// One-shot batches rely on the pipeline's implicit transaction instead of BEGIN / COMMIT.
    @Test func aBatchCommitsTogetherOrNotAtAll() async throws {
        let test = try await TestDatabase()
        let user = try await test.makeUser()
        let organization = try await test.makeOrganization(owner: user)
        let session = try await test.session(for: user)
        await #expect(throws: DatabaseError.self) {
            _ = try await session.batch([
                Statement("UPDATE public.organizations SET name = 'half-done' WHERE id = $1", organization),
                Statement("SELECT 1 / 0"),
            ])
        }
        #expect(try await session.query("SELECT name FROM public.organizations WHERE id = $1", organization).first?["name"] as String? == "workspace")
        _ = try await session.batch([
            Statement("UPDATE public.organizations SET name = 'both' WHERE id = $1", organization),
            Statement("INSERT INTO public.audit_events (organization_id, user_id, actor, action) VALUES ($1, $2, 'user', 'organization.renamed')", organization, user),
        ])
        #expect(try await session.query("SELECT name FROM public.organizations WHERE id = $1", organization).first?["name"] as String? == "both")
    }

    @Test func transactionCommitsTogetherOrNotAtAll() async throws {
        let test = try await TestDatabase()
        let user = try await test.makeUser()
        let organization = try await test.makeOrganization(owner: user)
        let session = try await test.session(for: user)
        struct Stop: Error {}
        await #expect(throws: Stop.self) {
            try await session.transaction { transaction in
                _ = try await transaction.query("UPDATE public.organizations SET name = 'changed' WHERE id = $1", organization)
                throw Stop()
            }
        }
        #expect(try await session.query("SELECT name FROM public.organizations WHERE id = $1", organization).first?["name"] as String? == "workspace")
        let renamed: String = try await session.transaction { transaction in
            let current: String = try #require(try await transaction.query("SELECT name FROM public.organizations WHERE id = $1 FOR UPDATE", organization).first)["name"]
            _ = try await transaction.query("UPDATE public.organizations SET name = $2 WHERE id = $1", organization, current + "-2")
            return current + "-2"
        }
        #expect(try await session.query("SELECT name FROM public.organizations WHERE id = $1", organization).first?["name"] as String? == renamed)
    }

    @Test func serializationFailuresAreRetried() async throws {
        let test = try await TestDatabase()
        let attempts = Counter()
        let value: Int = try await test.database.anonymousSession().transaction { transaction in
            if attempts.increment() == 1 {
                _ = try await transaction.query("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001', MESSAGE = 'could not serialize access'; END $$")
            }
            return try #require(try await transaction.query("SELECT 7 AS seven").first)["seven"]
        }
        #expect(value == 7)
        #expect(attempts.value == 2)
    }

    @Test func createOrganizationMakesTheCallerItsOwner() async throws {
        let test = try await TestDatabase()
        let user = try await test.makeUser()
        let session = try await test.session(for: user)
        let id: UUID = try #require(try await session.query("SELECT public.create_organization($1) AS id", "new workspace").first)["id"]
        let role: String? = try await session.query("SELECT role FROM public.memberships WHERE organization_id = $1", id).first?["role"]
        #expect(role == "owner")
    }

    @Test func auditEventsAreAppendOnlyEvenForTheServiceRole() async throws {
        let test = try await TestDatabase()
        let user = try await test.makeUser()
        let organization = try await test.makeOrganization(owner: user)
        _ = try await test.service.query("INSERT INTO public.audit_events (organization_id, actor, action) VALUES ($1, 'system:test', 'credentials.issued')", organization)
        await #expect(throws: DatabaseError.self) {
            _ = try await test.service.query("UPDATE public.audit_events SET action = 'tampered' WHERE organization_id = $1", organization)
        }
        await #expect(throws: DatabaseError.self) {
            _ = try await test.service.query("DELETE FROM public.audit_events WHERE organization_id = $1", organization)
        }
        let session = try await test.session(for: user)
        #expect(try await session.query("SELECT count(*) FROM public.audit_events WHERE organization_id = $1", organization).first?["count"] as Int? == 1)
    }

    @Test func typedValuesRoundTrip() async throws {
        let test = try await TestDatabase()
        let id = UUID()
        let moment = Date(timeIntervalSince1970: 1_795_521_600.123456)
        let row = try #require(try await test.database.anonymousSession().query("""
            SELECT $1::uuid AS id, $2::text AS text, $3::int AS number, $4::bool AS flag, $5::timestamptz AS moment,
                   $6::jsonb AS document, $7::bytea AS bytes, $8::text[] AS words, NULL::text AS nothing
            """, id, "it's \"quoted\"", 42, true, moment, JSONText(#"{"a": [1, 2]}"#), Bytes([0, 1, 254, 255]), ["a", "b c", "d\"e", "f,g"]).first)
        #expect(try row["id"] as UUID == id)
        #expect(try row["text"] as String == "it's \"quoted\"")
        #expect(try row["number"] as Int == 42)
        #expect(try row["flag"] as Bool == true)
        #expect(abs((try row["moment"] as Date).timeIntervalSince(moment)) < 0.000_001)
        #expect(try (row["document"] as JSONText).decode([String: [Int]].self) == ["a": [1, 2]])
        #expect(try row["bytes"] as Bytes == Bytes([0, 1, 254, 255]))
        #expect(try row["words"] as [String] == ["a", "b c", "d\"e", "f,g"])
        #expect(try row["nothing"] as String? == nil)
    }
}

final class Counter: @unchecked Sendable {
    private(set) var value = 0
    func increment() -> Int {
        value += 1
        return value
    }
}
