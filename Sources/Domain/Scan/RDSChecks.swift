/// RDS: public instances, unencrypted storage, public snapshots.
enum RDSChecks {
    static let instance = "AWS::RDS::DBInstance"

    static let all: [Check] = [
        Check(id: "rds_instance_no_public_access", title: "RDS instances are not publicly accessible", severity: .critical, resourceType: instance,
              remediation: "Modify the instance so it is not publicly accessible, and keep it in private subnets.",
              referenceURL: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html") { database in
            let id = database.attributes["identifier"].string ?? database.arn
            return .failing(database.attributes["publiclyAccessible"].bool == true, "RDS instance \(id) is publicly accessible.", else: "RDS instance \(id) is not publicly accessible.")
        },
        Check(id: "rds_instance_storage_encrypted", title: "RDS instances encrypt their storage", severity: .high, resourceType: instance,
              remediation: "Restore an encrypted copy of a snapshot into a new instance and move to it (storage encryption cannot be turned on in place).",
              referenceURL: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html") { database in
            let id = database.attributes["identifier"].string ?? database.arn
            return .failing(database.attributes["storageEncrypted"].bool != true, "RDS instance \(id) does not encrypt its storage.", else: "RDS instance \(id) encrypts its storage.")
        },
        Check(id: "rds_snapshots_public_access", title: "RDS snapshots are not public", severity: .critical, resourceType: "AWS::RDS::DBSnapshot",
              remediation: "Remove 'all' from the snapshot's restore attribute.",
              referenceURL: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ShareSnapshot.html") { snapshot in
            let id = snapshot.attributes["identifier"].string ?? snapshot.arn
            return .failing(snapshot.attributes["public"].bool == true, "RDS snapshot \(id) can be restored by anyone.", else: "RDS snapshot \(id) is not public.")
        },
    ]
}
