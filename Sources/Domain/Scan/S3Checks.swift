/// S3: public buckets (by ACL or policy, unless a bucket- or account-level public access block
/// stops it), the account's public access block, default encryption, TLS-only policies, versioning.
enum S3Checks {
    static let bucket = "AWS::S3::Bucket"
    static let account = "AWS::S3::AccountPublicAccessBlock"

    static let all: [Check] = [
        Check(id: "s3_bucket_public_access", title: "S3 buckets are not publicly accessible", severity: .critical, resourceType: bucket,
              remediation: "Turn on Block Public Access for the bucket (and the account), and remove ACL grants and policy statements for everyone.",
              referenceURL: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html") { bucket in
            let name = bucket.attributes["name"].string ?? bucket.arn
            let blocks = { (setting: String) in
                bucket.attributes["publicAccessBlock"][setting].bool == true || bucket.attributes["accountPublicAccessBlock"][setting].bool == true
            }
            let publicByACL = bucket.attributes["aclPublic"].bool == true && !blocks("IgnorePublicAcls")
            let publicByPolicy = IAMPolicyDocument.allowsEveryone(bucket.attributes["policy"]) && !blocks("RestrictPublicBuckets")
            switch (publicByACL, publicByPolicy) {
            case (true, _): return .fail("Bucket \(name) grants access to everyone in its ACL.")
            case (_, true): return .fail("Bucket \(name) has a policy that allows everyone.")
            default: return .pass("Bucket \(name) is not public.")
            }
        },
        Check(id: "s3_account_level_public_access_blocks", title: "The account blocks public access to S3", severity: .high, resourceType: account,
              remediation: "Turn on all four S3 Block Public Access settings at the account level.",
              referenceURL: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-account.html") { account in
            let settings = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"]
            let off = settings.filter { account.attributes[$0].bool != true }
            return .failing(!off.isEmpty, "Account-level Block Public Access is off for \(off.joined(separator: ", ")).",
                            else: "All account-level Block Public Access settings are on.")
        },
        Check(id: "s3_bucket_default_encryption", title: "S3 buckets encrypt objects by default", severity: .medium, resourceType: bucket,
              remediation: "Set default encryption on the bucket (SSE-S3 or SSE-KMS).",
              referenceURL: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html") { bucket in
            let name = bucket.attributes["name"].string ?? bucket.arn
            guard let algorithm = bucket.attributes["encryption"].string else { return .fail("Bucket \(name) has no default encryption.") }
            return .pass("Bucket \(name) encrypts with \(algorithm) by default.")
        },
        Check(id: "s3_bucket_secure_transport_policy", title: "S3 buckets refuse requests without TLS", severity: .medium, resourceType: bucket,
              remediation: "Add a bucket policy statement that denies s3:* when aws:SecureTransport is false.",
              referenceURL: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html") { bucket in
            let name = bucket.attributes["name"].string ?? bucket.arn
            return .failing(!IAMPolicyDocument.deniesInsecureTransport(bucket.attributes["policy"]),
                            "Bucket \(name) allows requests over plain HTTP.", else: "Bucket \(name) denies requests without TLS.")
        },
        Check(id: "s3_bucket_object_versioning", title: "S3 buckets keep object versions", severity: .medium, resourceType: bucket,
              remediation: "Enable versioning on the bucket so overwritten or deleted objects can be recovered.",
              referenceURL: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html") { bucket in
            let name = bucket.attributes["name"].string ?? bucket.arn
            return .failing(bucket.attributes["versioning"].string != "Enabled",
                            "Bucket \(name) does not have versioning enabled.", else: "Bucket \(name) has versioning enabled.")
        },
    ]
}
