import AWSAPI
import Domain

/// EC2 and VPC in one region: security groups with their rules, EBS default encryption, volumes,
/// the account's snapshots and who may restore them, instances, VPCs and their flow logs.
enum EC2Collector {
    static func collect(_ session: AWSSession, _ region: String) async throws -> [CloudResource] {
        let ec2 = try await session.query("ec2", version: "2016-11-15", region: region)
        let prefix = "arn:aws:ec2:\(region):\(session.account)"
        @Sendable func resource(_ arn: String, _ type: String, _ attributes: AttributeValue) -> CloudResource {
            CloudResource(arn: arn, type: type, service: "ec2", region: region, attributes: attributes)
        }
        func items(_ action: String, _ parameters: [(String, String)] = [], _ path: String...) async throws -> [XMLNode] {
            try await ec2.pages(action, parameters).flatMap { page in path.reduce([page]) { nodes, name in nodes.flatMap { $0.path(name) } } }
        }

        async let groups = items("DescribeSecurityGroups", [], "securityGroupInfo", "item")
        async let encryptionByDefault = ec2.call("GetEbsEncryptionByDefault").value("ebsEncryptionByDefault")
        async let volumes = items("DescribeVolumes", [], "volumeSet", "item")
        async let snapshots = items("DescribeSnapshots", [("Owner.1", "self")], "snapshotSet", "item")
        async let reservations = items("DescribeInstances", [], "reservationSet", "item")
        async let vpcs = items("DescribeVpcs", [], "vpcSet", "item")
        async let flowLogs = items("DescribeFlowLogs", [], "flowLogSet", "item")

        var resources = try await groups.compactMap { group -> CloudResource? in
            guard let id = group["groupId"] else { return nil }
            return resource("\(prefix):security-group/\(id)", "AWS::EC2::SecurityGroup", [
                "groupId": .string(id), "groupName": .string(group["groupName"] ?? ""), "vpcId": .string(group["vpcId"] ?? ""),
                "ingress": rules(group.path("ipPermissions", "item")), "egress": rules(group.path("ipPermissionsEgress", "item")),
            ])
        }
        resources.append(resource("\(prefix):ebs-encryption-by-default", "AWS::EC2::EBSEncryptionByDefault",
                                  ["enabled": .bool(try await encryptionByDefault == "true")]))
        resources += try await volumes.compactMap { volume in
            volume["volumeId"].map { resource("\(prefix):volume/\($0)", "AWS::EC2::Volume", ["volumeId": .string($0), "encrypted": .bool(volume["encrypted"] == "true")]) }
        }
        resources += try await snapshots.compactMap { snapshot in snapshot["snapshotId"].map { (id: $0, encrypted: snapshot["encrypted"] == "true") } }
            .concurrentMap { snapshot in
                let permissions = try await ec2.call("DescribeSnapshotAttribute", [("SnapshotId", snapshot.id), ("Attribute", "createVolumePermission")])
                let isPublic = permissions.path("createVolumePermission", "item").contains { $0["group"] == "all" }
                return resource("\(prefix):snapshot/\(snapshot.id)", "AWS::EC2::Snapshot", [
                    "snapshotId": .string(snapshot.id), "encrypted": .bool(snapshot.encrypted), "public": .bool(isPublic),
                ])
            }
        for instance in try await reservations.flatMap({ $0.path("instancesSet", "item") }) {
            guard let id = instance["instanceId"], instance.child("instanceState")?["name"] != "terminated" else { continue }
            resources.append(resource("\(prefix):instance/\(id)", "AWS::EC2::Instance", [
                "instanceId": .string(id), "httpTokens": .string(instance.child("metadataOptions")?["httpTokens"] ?? "optional"),
                "publicIp": instance["ipAddress"].map(AttributeValue.string) ?? .null,
            ]))
        }
        let logged = try await flowLogs.compactMap { $0["resourceId"] }
        resources += try await vpcs.compactMap { vpc in
            vpc["vpcId"].map { id in
                resource("\(prefix):vpc/\(id)", "AWS::EC2::VPC", ["vpcId": .string(id), "flowLogs": .number(Double(logged.filter { $0 == id }.count))])
            }
        }
        return resources
    }

    static func rules(_ permissions: [XMLNode]) -> AttributeValue {
        .array(permissions.map { rule in
            [
                "protocol": .string(rule["ipProtocol"] ?? "-1"),
                "fromPort": attribute(number: rule["fromPort"]), "toPort": attribute(number: rule["toPort"]),
                "cidrs": .array(rule.path("ipRanges", "item").compactMap { $0["cidrIp"] }.map(AttributeValue.string)),
                "ipv6Cidrs": .array(rule.path("ipv6Ranges", "item").compactMap { $0["cidrIpv6"] }.map(AttributeValue.string)),
            ]
        })
    }
}
