import AWSAPI
import Domain

/// RDS in one region: instances (public access, storage encryption) and manual snapshots with
/// who may restore them.
enum RDSCollector {
    static func collect(_ session: AWSSession, _ region: String) async throws -> [CloudResource] {
        let rds = try await session.query("rds", version: "2014-10-31", region: region)
        var resources: [CloudResource] = []
        for instance in try await rds.pages("DescribeDBInstances", token: .marker).flatMap({ $0.path("DescribeDBInstancesResult", "DBInstances", "DBInstance") }) {
            guard let id = instance["DBInstanceIdentifier"] else { continue }
            resources.append(CloudResource(
                arn: instance["DBInstanceArn"] ?? "arn:aws:rds:\(region):\(session.account):db:\(id)", type: "AWS::RDS::DBInstance", service: "rds", region: region,
                attributes: ["identifier": .string(id), "publiclyAccessible": .bool(instance["PubliclyAccessible"] == "true"),
                             "storageEncrypted": .bool(instance["StorageEncrypted"] == "true")]))
        }
        let snapshots = try await rds.pages("DescribeDBSnapshots", [("SnapshotType", "manual")], token: .marker)
            .flatMap { $0.path("DescribeDBSnapshotsResult", "DBSnapshots", "DBSnapshot") }
        resources += try await snapshots.compactMap { snapshot in
            snapshot["DBSnapshotIdentifier"].map { (id: $0, arn: snapshot["DBSnapshotArn"] ?? "arn:aws:rds:\(region):\(session.account):snapshot:\($0)") }
        }.concurrentMap { snapshot in
            let attributes = try await rds.call("DescribeDBSnapshotAttributes", [("DBSnapshotIdentifier", snapshot.id)])
            let restorers = attributes.all("DBSnapshotAttribute").filter { $0["AttributeName"] == "restore" }.flatMap { $0.all("AttributeValue").map(\.text) }
            return CloudResource(arn: snapshot.arn, type: "AWS::RDS::DBSnapshot", service: "rds", region: region,
                                 attributes: ["identifier": .string(snapshot.id), "public": .bool(restorers.contains("all"))])
        }
        return resources
    }
}
