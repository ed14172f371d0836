/// One thing found in a customer's account: a bucket, a user, a security group — or an account-
/// or region-wide setting (password policy, EBS default encryption, GuardDuty), which the
/// collectors record as a resource of its own so that every check judges resources.
public struct CloudResource: Sendable, Equatable {
    public let arn: String
    /// CloudFormation-style type: `AWS::S3::Bucket`, `AWS::IAM::PasswordPolicy`, ...
    public let type: String
    public let service: String
    public let region: String
    public let attributes: AttributeValue

    public init(arn: String, type: String, service: String, region: String, attributes: AttributeValue) {
        self.arn = arn
        self.type = type
        self.service = service
        self.region = region
        self.attributes = attributes
    }
}
